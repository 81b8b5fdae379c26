// The app as `npm start` runs it (src/server.ts: Probot's server, configured from the environment).
import "../../src/server.js";
