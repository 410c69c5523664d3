#!/usr/bin/env node
// The installed command: a fixed file, so that package managers can link it before `dist/` is built (a workspace
// install links bins first). The program itself is the built `dist/bin.js`.
import "../dist/bin.js"
