// Where the multi-limit decision script lives (the starter points this at its own stub).
export const DECIDE_LUA = new URL('./decide.lua', import.meta.url);
