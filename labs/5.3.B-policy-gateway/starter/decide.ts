// Starter for lab 5.3.B, exercise 2: the limiter runs this folder's decide.lua — write it there.
export const DECIDE_LUA = new URL('./decide.lua', import.meta.url);
