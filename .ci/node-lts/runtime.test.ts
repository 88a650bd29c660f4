/**
 * Run by .ci/run before the suite's second run: the test workers run on the Node binary in
 * EXPECT_NODE_VERSION, and so do the processes the suite spawns (process.execPath for the gateway and
 * the built servers; `npm` for builds, which runs on the `node` in PATH).
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('runs the test workers and the processes they spawn on the expected Node', () => {
  const expected = process.env.EXPECT_NODE_VERSION;
  expect(expected, 'EXPECT_NODE_VERSION').toMatch(/^v\d+\.\d+\.\d+$/);
  expect(process.version, 'test worker').toBe(expected);
  const script = 'JSON.stringify([process.version, process.env.npm_node_execpath])';
  const output = execFileSync('npm', ['exec', '--', 'node', '-p', script], { encoding: 'utf8' });
  const [pathNode, npmNode] = JSON.parse(output) as [string, string];
  expect(pathNode, 'node in PATH under npm').toBe(expected);
  const npmVersion = execFileSync(npmNode, ['--version'], { encoding: 'utf8' }).trim();
  expect(npmVersion, 'node running npm').toBe(expected);
});
