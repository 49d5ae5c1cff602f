/** A GraphQL client over real HTTP, as a frontend or a script would call the service. */

export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  extensions?: { code?: string; argumentName?: string; [key: string]: unknown };
}

export interface GraphQLResponse<T> {
  status: number;
  data: T | null | undefined;
  errors: GraphQLErrorBody[] | undefined;
}

export async function graphql<T = Record<string, any>>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { accept?: string; headers?: Record<string, string>; method?: 'GET' | 'POST' } = {},
): Promise<GraphQLResponse<T>> {
  const headers = { accept: options.accept ?? 'application/graphql-response+json', ...options.headers };
  const response =
    options.method === 'GET'
      ? await fetch(`${baseUrl}/graphql?${new URLSearchParams({ query, variables: JSON.stringify(variables) })}`, { headers })
      : await fetch(`${baseUrl}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ query, variables }),
        });
  const body = (await response.json()) as { data?: T | null; errors?: GraphQLErrorBody[] };
  return { status: response.status, data: body.data, errors: body.errors };
}

/** The data of a query that must succeed; its errors, if any, fail the test with their messages. */
export async function queryData<T = Record<string, any>>(baseUrl: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await graphql<T>(baseUrl, query, variables);
  if (response.errors?.length || response.status !== 200) {
    throw new Error(`GraphQL answered ${response.status}: ${JSON.stringify(response.errors)}`);
  }
  return response.data as T;
}
