// The agent profiles' names, for config validation without loading the profiles (the registry must match: tested).
export const PROFILE_NAMES = ['claude', 'codex', 'gemini'] as const;
