/** A refusal or failure the engine reports in words for people (never a crash). */
export class EngineError extends Error {
  override name = 'EngineError';
}

/** A guest ELF refused before anything is stored: not an RV32 executable, or one the prover cannot load. */
export class InvalidElf extends EngineError {
  override name = 'InvalidElf';
}
