import type { BenchContext, SectionResult } from '../lib/figures.js';
import { fanout } from './fanout.js';
import { history } from './history.js';
import { ingest } from './ingest.js';
import { memory } from './memory.js';

/** The sections of `npm run bench`, in the order they run. */
export const SECTIONS: Record<'ingest' | 'fanout' | 'memory' | 'history', (context: BenchContext) => Promise<SectionResult>> = {
  ingest,
  fanout,
  memory,
  history,
};
