import { run } from "probot";
import { createApp } from "../../src/app/create-app.js";

// The app as `npm start` runs it (Probot's server, configured from the environment), for the browser tests.
await run(createApp());
