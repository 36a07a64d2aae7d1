/** Asserts an RFC 9457 problem+json answer with a stable kyc code; returns the body. */
export async function expectProblem(
  response: Response,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  const text = await response.text();
  expect({ status: response.status, body: text.slice(0, 300) }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toMatchObject({
    code,
    status,
    type: `https://verdict.example/problems/${code.toLowerCase().replace(/_/g, '-')}`,
  });
  expect(typeof body.detail).toBe('string');
  return body;
}
