// The "external" book-metadata service: a real HTTP server on loopback that the capstone starts, with
// latency and a failure rate that a demo or test turns up and down while traffic flows.
import { createApp, finishApp, listen, type Listening } from '../../shared/http';

export interface Behaviour {
  latencyMs: number;
  /** 0..1: share of requests answered 503. */
  failureRate: number;
}

export interface MetadataService extends Listening {
  behaviour: Behaviour;
  stats: { requests: number; failures: number };
}

/** Deterministic metadata for a book id (the service "knows" every book). */
export function metadataFor(bookId: number) {
  return {
    isbn: `978-0-${String(100000 + (bookId % 900000)).padStart(6, '0')}-${bookId % 10}`,
    pages: 120 + ((bookId * 37) % 600),
    language: ['en', 'fr', 'de', 'es', 'pt'][bookId % 5]!,
  };
}

export async function startMetadataService(initial: Partial<Behaviour> = {}, random: () => number = Math.random): Promise<MetadataService> {
  const behaviour: Behaviour = { latencyMs: 0, failureRate: 0, ...initial };
  const stats = { requests: 0, failures: 0 };
  const app = createApp({ name: 'metadata', metrics: false });
  app.get('/books/:id', async (req, res) => {
    stats.requests++;
    if (behaviour.latencyMs > 0) await new Promise((r) => setTimeout(r, behaviour.latencyMs));
    if (random() < behaviour.failureRate) {
      stats.failures++;
      res.status(503).json({ error: { code: 'unavailable', message: 'metadata service is failing (by design)' } });
      return;
    }
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id < 1) {
      res.status(400).json({ error: { code: 'bad_id', message: 'id must be a positive integer' } });
      return;
    }
    res.json({ bookId: id, ...metadataFor(id) });
  });
  const listening = await listen(finishApp(app));
  return Object.assign(listening, { behaviour, stats });
}
