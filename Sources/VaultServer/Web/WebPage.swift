/// The web page: plain HTML, CSS and JavaScript compiled into the binary (no build step, no
/// file served from a URL path). Served under a strict Content-Security-Policy: no inline script
/// or style, same-origin only. Untrusted text is inserted with `textContent`, never as HTML.
/// The style is ``WebStyle``, the script ``WebScript``.
///
/// Two views: recordings (every user: search and filters, play, who accessed it) and, for users
/// whose role allows it, the records officer's (disposition queue, legal holds, the request
/// register, starting a subject-access export). Every officer's act asks for the officer's own
/// passphrase in a dialog (step-up), cleared from the form as soon as it is sent.
enum WebPage {
    static let html = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>SessionVault</title>
    <link rel="stylesheet" href="/app.css">
    <script src="/app.js" defer></script>
    </head>
    <body>
    <header>
      <h1>SessionVault</h1>
      <nav id="views" aria-label="Views" hidden>
        <button type="button" id="show-recordings" aria-current="page">Recordings</button>
        <button type="button" id="show-officer" hidden>Records officer</button>
      </nav>
      <span id="who"></span><button type="button" id="signout" hidden>Sign out</button>
    </header>
    <section id="signin">
      <p id="sso-box" hidden><a id="sso" class="button" href="/auth/login">Sign in with your organisation account</a></p>
      <form id="signin-form">
        <label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="off" placeholder="svt_..." required>
        <button type="submit" id="signin-button">Sign in</button>
      </form>
      <p id="signin-error" class="error" role="alert"></p>
    </section>
    <main id="app" hidden>
      <div id="recordings-view">
        <section aria-labelledby="recordings-title">
          <h2 id="recordings-title">Recordings</h2>
          <form id="filters" class="filters" aria-label="Search recordings">
            <div class="field"><label for="f-pseudonym">Patient (pseudonym)</label><input id="f-pseudonym" autocomplete="off" spellcheck="false"></div>
            <div class="field"><label for="f-class">Class</label>
              <select id="f-class"><option value="">Any</option><option>care</option><option>supervision</option><option>training</option>
              <option>assessment</option><option>research</option><option>review-copy</option></select></div>
            <div class="field"><label for="f-from">Stored from</label><input id="f-from" type="date"></div>
            <div class="field"><label for="f-to">Stored until</label><input id="f-to" type="date"></div>
            <div class="actions"><button type="submit" id="f-apply">Search</button><button type="reset" id="f-clear">Clear</button></div>
          </form>
          <p id="list-status" role="status"></p>
          <div class="table-wrap">
          <table id="recordings">
            <caption class="visually-hidden">Recordings you may see</caption>
            <thead><tr><th scope="col">Date</th><th scope="col">Patient (pseudonym)</th><th scope="col">Class</th><th scope="col">Consent</th>
            <th scope="col">Days to disposal</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody></tbody>
          </table>
          </div>
          <p id="empty" hidden>No recordings you may see match.</p>
        </section>
        <section id="viewer" hidden aria-labelledby="viewer-title">
          <h2 id="viewer-title" tabindex="-1">Recording <span id="viewer-id"></span></h2>
          <video id="player" controls preload="metadata"></video>
          <h3>Who accessed it</h3>
          <div class="table-wrap">
          <table id="audit">
            <thead><tr><th scope="col">Time</th><th scope="col">Who</th><th scope="col">Role</th><th scope="col">Action</th>
            <th scope="col">Purpose</th><th scope="col">Outcome</th></tr></thead>
            <tbody></tbody>
          </table>
          </div>
        </section>
      </div>
      <div id="officer-view" hidden>
        <p id="officer-status" role="status" tabindex="-1"></p>
        <section aria-labelledby="queue-title">
          <h2 id="queue-title">Disposition queue</h2>
          <p class="hint">Recordings whose retention has ended and that wait for your review: approve their destruction, or keep them longer with a reason.</p>
          <div class="table-wrap">
          <table id="queue">
            <thead><tr><th scope="col">Recording</th><th scope="col">Due</th><th scope="col">Rule</th><th scope="col">Decision</th></tr></thead>
            <tbody></tbody>
          </table>
          </div>
          <p id="queue-empty" hidden>Nothing is waiting for review.</p>
        </section>
        <section aria-labelledby="holds-title">
          <h2 id="holds-title">Legal holds</h2>
          <div class="table-wrap">
          <table id="holds">
            <thead><tr><th scope="col">Hold</th><th scope="col">On</th><th scope="col">Case</th><th scope="col">Reason</th><th scope="col">Placed</th>
            <th scope="col">By</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody></tbody>
          </table>
          </div>
          <p id="holds-empty" hidden>No active holds.</p>
          <form id="hold-form" class="filters" aria-labelledby="hold-form-title">
            <h3 id="hold-form-title">Place a hold</h3>
            <div class="field"><label for="hold-recording">Recording id</label><input id="hold-recording" required autocomplete="off" spellcheck="false"></div>
            <div class="field"><label for="hold-reason">Reason</label><input id="hold-reason" required autocomplete="off"></div>
            <div class="field"><label for="hold-ref">Case reference</label><input id="hold-ref" required autocomplete="off"></div>
            <div class="actions"><button type="submit" id="hold-place">Place hold…</button></div>
          </form>
        </section>
        <section aria-labelledby="requests-title">
          <h2 id="requests-title">Requests (SAR and FOI)</h2>
          <p class="hint">Open requests, overdue first, with their statutory clocks.</p>
          <div class="table-wrap">
          <table id="requests">
            <thead><tr><th scope="col">Request</th><th scope="col">Type</th><th scope="col">Received</th><th scope="col">Due</th>
            <th scope="col">Clock</th><th scope="col">Reference</th></tr></thead>
            <tbody></tbody>
          </table>
          </div>
          <p id="requests-empty" hidden>No open requests.</p>
        </section>
        <section aria-labelledby="export-title">
          <h2 id="export-title">Subject-access export</h2>
          <p class="hint">Starts the review of a patient's bundle: every item it would hold is listed, recordings with other participants are
          flagged. Deciding the flagged items, the health professional's opinion, the sign-off and writing the encrypted bundle are done
          with the sessionvault command, as the operations guide describes; the page does not download bundles.</p>
          <form id="export-form" class="filters" aria-label="Start a subject-access export">
            <div class="field"><label for="export-patient">Patient identifier (NHS number)</label>
              <input id="export-patient" type="password" required autocomplete="off" spellcheck="false"></div>
            <div class="actions"><button type="submit" id="export-start">Start export review…</button></div>
          </form>
        </section>
      </div>
      <dialog id="stepup" aria-labelledby="stepup-title">
        <form id="stepup-form">
          <h2 id="stepup-title"></h2>
          <p id="stepup-what"></p>
          <div class="field" id="stepup-until-row" hidden><label for="stepup-until">Keep until</label><input id="stepup-until" type="date"></div>
          <div class="field" id="stepup-reason-row"><label for="stepup-reason" id="stepup-reason-label">Reason</label><input id="stepup-reason" autocomplete="off"></div>
          <div class="field"><label for="stepup-passphrase">Your officer passphrase (asked for each act, never kept)</label>
            <input id="stepup-passphrase" type="password" required autocomplete="off"></div>
          <p id="stepup-error" class="error" role="alert"></p>
          <div class="actions"><button type="submit" id="stepup-confirm">Confirm</button><button type="button" id="stepup-cancel">Cancel</button></div>
        </form>
      </dialog>
    </main>
    </body>
    </html>
    """
}
