import { helpCommand } from '../../src/cli/run-cli';

describe('the command a usage error points to', () => {
  test.each([
    ['Usage: npm run train -- [options]\n\nTrains ...', 'npm run train -- --help'],
    ['Usage: npm run bench:ab -w model-service -- --against <build dir>', 'npm run bench:ab -w model-service -- --help'],
    ['Usage: npm run check:stack -- [options]', 'npm run check:stack -- --help'],
  ])('%j → %s', (usage, command) => {
    expect(helpCommand(usage)).toBe(command);
  });

  test('a usage text without a "Usage: ... --" line has none (the whole text is printed instead)', () => {
    expect(helpCommand('train [options]')).toBeUndefined();
  });
});
