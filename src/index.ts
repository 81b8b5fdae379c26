import { createApp } from "./app/create-app.js";

/**
 * The Probot app, configured from the environment (github-app.md, "Runtime configuration"), for hosts that load
 * apps themselves (`probot run ./dist/src/index.js`). `npm start` (src/server.ts) runs the same app and also
 * redacts cookies and `Authorization` headers from Probot's request log: prefer it when the dashboard is on.
 */
export default createApp();
