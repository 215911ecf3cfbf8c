/** Bad start-up input fails fast with a message naming the fix, not a stack trace. */
import { tinyModel } from '../support/model';
import { startModelService } from '../support/service';

describe('service start-up', () => {
  it('refuses a missing model file, naming the train command', async () => {
    await expect(startModelService({ modelPath: '/nonexistent/model.json' }))
      .rejects.toThrow(/exited with 2[\s\S]*model file not found: \/nonexistent\/model.json[\s\S]*npm run train/);
  }, 60_000);

  it('refuses an invalid setting, naming the variable', async () => {
    const model = await tinyModel();
    await expect(startModelService({ modelPath: model.modelPath, env: { BODY_LIMIT_BYTES: 'lots' } }))
      .rejects.toThrow(/exited with 2[\s\S]*BODY_LIMIT_BYTES: "lots" is not a number/);
  }, 60_000);
});
