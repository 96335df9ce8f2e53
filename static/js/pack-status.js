// Enhancement for the business-case pack page: while the pack builds, reload the
// page after 3 seconds (the Refresh button does the same without JavaScript; the
// reloaded page stops asking once the pack is ready or has failed).
// A file, not an inline script: the CSP allows none.
(function () {
  'use strict'
  if (!document.querySelector('[data-pack-pending]')) return
  window.setTimeout(function () { window.location.reload() }, 3000)
})()
