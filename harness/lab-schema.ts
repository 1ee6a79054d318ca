/** The Postgres schema a lab's demo and service share (so `seed` then `serve` see the same data). */
export function labSchema(id: string): string {
  return id === 'capstone' ? 'capstone' : `lab_${id.replace(/[^a-zA-Z0-9]/g, '_').toLowerCase()}`;
}
