import { createApp } from "./app/create-app.js";

/** The Probot app `npm start` runs: configured from the environment (github-app.md, "Runtime configuration"). */
export default createApp();
