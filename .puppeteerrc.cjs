// mermaid-cli pulls in puppeteer; never let its install download a browser.
// Diagrams and page tests use the system Chromium (Debian package `chromium`).
module.exports = {
  skipDownload: true,
  executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium',
};
