// Never download a browser: wasserflow drives Debian's Chromium (/usr/bin/chromium).
module.exports = { skipDownload: true, executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium' };
