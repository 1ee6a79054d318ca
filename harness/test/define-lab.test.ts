// Which services each command of a lab asks for: a list for every command, or an object per command.
import { describe, expect, it } from 'vitest';
import { servicesFor } from '../define-lab';

describe('servicesFor', () => {
  it('no declaration means both, for every command', () => {
    for (const command of ['run', 'serve', 'bench'] as const) expect(servicesFor({}, command)).toEqual(['redis', 'postgres']);
  });

  it('a list means every command, subcommands included', () => {
    const def = { services: ['redis' as const] };
    expect(servicesFor(def, 'run')).toEqual(['redis']);
    expect(servicesFor(def, 'run', ['join', 'lobby'])).toEqual(['redis']);
    expect(servicesFor(def, 'serve')).toEqual(['redis']);
    expect(servicesFor(def, 'bench')).toEqual(['redis']);
  });

  it('an object names them per command; a command left out needs both', () => {
    const def = { services: { run: ['redis' as const], bench: ['redis' as const, 'postgres' as const] } };
    expect(servicesFor(def, 'run')).toEqual(['redis']);
    expect(servicesFor(def, 'bench')).toEqual(['redis', 'postgres']);
    expect(servicesFor(def, 'serve')).toEqual(['redis', 'postgres']);
  });

  it('a subcommand needs what run needs unless it is named itself', () => {
    const def = { services: { run: ['redis' as const], seed: ['postgres' as const], bench: ['postgres' as const] } };
    expect(servicesFor(def, 'run', ['--only', 'ttl'])).toEqual(['redis']);
    expect(servicesFor(def, 'run', ['join'])).toEqual(['redis']);
    expect(servicesFor(def, 'run', ['seed', '--count', '10'])).toEqual(['postgres']);
    // `bench` names the bench command, not a subcommand of run.
    expect(servicesFor(def, 'run', ['bench'])).toEqual(['redis']);
  });
});
