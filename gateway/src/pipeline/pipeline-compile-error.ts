/** A statement cannot be run: the message names the section, index and policy. */
export class PipelineCompileError extends Error {
  override readonly name = 'PipelineCompileError';
}
