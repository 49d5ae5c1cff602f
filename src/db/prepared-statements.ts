type Unsafe = (query: string, args?: unknown[], options?: { prepare?: boolean }) => unknown;
type Scoped = (...args: unknown[]) => unknown;

/**
 * The postgres.js client as Drizzle should see it: every statement prepared. Drizzle runs its
 * queries through `unsafe` with `prepare: false`, so PostgreSQL parsed and planned each statement
 * afresh, every time. Prepared, each connection parses a statement once and runs it by name after.
 * Transactions and savepoints hand Drizzle a client of their own, which is treated alike.
 */
export function preparingClient<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'unsafe') {
        return (query: string, args?: unknown[], options?: { prepare?: boolean }) => (value as Unsafe).call(target, query, args, { ...options, prepare: true });
      }
      if (property === 'begin' || property === 'savepoint') {
        // The body comes last, after an optional mode or name.
        return (...args: unknown[]) => {
          const body = args.pop() as (scoped: object) => unknown;
          return (value as Scoped).call(target, ...args, (scoped: object) => body(preparingClient(scoped)));
        };
      }
      return value;
    },
  });
}
