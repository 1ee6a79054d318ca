// Imported first by the CLI: picocolors alone would colour a pipe when CI is set, and cli-table3's
// colour library ignores NO_COLOR. Both read the environment when they load, so settle it here.
import { colorEnabled } from './color';

if (!colorEnabled()) {
  process.env.NO_COLOR = '1'; // picocolors
  process.env.FORCE_COLOR = '0'; // @colors/colors (cli-table3)
}
