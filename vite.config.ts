import { defineConfig } from "vitest/config";
import { playwright } from "@vitest/browser-playwright";

// Debian's chromium; Playwright's own browser download is not available here.
const chromiumPath = process.env.KEYSTATE_CHROMIUM ?? "/usr/bin/chromium";

// Flags that keep headless Chromium from reaching out to Google's services,
// which a closed network refuses, and that let it run as root in CI.
const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export default defineConfig({
  worker: { format: "es" },
  build: { target: "es2022" },
  // Pre-bundled up front: discovering jose during a browser test run makes
  // Vite reload the page and fail the test file that imported it.
  optimizeDeps: { include: ["jose"] },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          environment: "node",
          include: ["test/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "chromium",
          // Tests that need node:crypto, the file system or child processes
          // end in .node.test.ts and run in Node only.
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.node.test.ts"],
          testTimeout: 60_000,
          // A KMS proxy over SoftHSM2 on 127.0.0.1 for test/kms-remote.test.ts.
          globalSetup: ["test/kms/browser-global-setup.ts"],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
            }),
            instances: [{ browser: "chromium" }],
          },
        },
      },
    ],
  },
});
