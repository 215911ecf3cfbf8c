/** A problem with the training data (source, archive, categories); the message says how to fix it. */
export class NewsgroupsDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NewsgroupsDataError';
  }
}
