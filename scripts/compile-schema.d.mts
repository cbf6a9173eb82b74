export const VALIDATOR_FILE: URL
export function validatorSource(): string
