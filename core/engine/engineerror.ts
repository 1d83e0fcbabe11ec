/** A refusal or failure the engine reports in words for people (never a crash). */
export class EngineError extends Error {
  override name = 'EngineError';
}
