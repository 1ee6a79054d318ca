// A race actor: one HTTP request to one of the app instances; the outcome is the status code.
import { defineRaceActor } from '../../../harness/race';

export default defineRaceActor({
  act: async (_state: unknown, index: number, args: { urls: string[] }) => {
    const res = await fetch(`${args.urls[index % args.urls.length]}/api/hello`);
    await res.arrayBuffer();
    return res.status;
  },
});
