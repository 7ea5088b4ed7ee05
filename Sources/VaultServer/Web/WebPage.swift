/// The web page: plain HTML, CSS and JavaScript compiled into the binary (no build step, no
/// file served from a URL path). Served under a strict Content-Security-Policy: no inline script
/// or style, same-origin only. Untrusted text is inserted with `textContent`, never as HTML.
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
    <header><h1>SessionVault</h1><span id="who"></span><button id="signout" hidden>Sign out</button></header>
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
      <section>
        <h2>Recordings</h2>
        <table id="recordings">
          <thead><tr><th>Date</th><th>Patient (pseudonym)</th><th>Class</th><th>Consent</th><th>Days to disposal</th><th></th></tr></thead>
          <tbody></tbody>
        </table>
        <p id="empty" hidden>No recordings you may see.</p>
      </section>
      <section id="viewer" hidden>
        <h2>Recording <span id="viewer-id"></span></h2>
        <video id="player" controls preload="metadata"></video>
        <h3>Who accessed it</h3>
        <table id="audit">
          <thead><tr><th>Time</th><th>Who</th><th>Role</th><th>Action</th><th>Purpose</th><th>Outcome</th></tr></thead>
          <tbody></tbody>
        </table>
      </section>
    </main>
    </body>
    </html>
    """

    static let style = """
    body { font-family: system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
    header { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; background: #24405f; color: #fff; }
    header h1 { font-size: 1.2rem; margin: 0; flex: 1; }
    section, main { padding: .5rem 1rem; }
    table { border-collapse: collapse; width: 100%; background: #fff; }
    th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #dde1e6; font-size: .9rem; }
    video { width: 100%; max-width: 720px; background: #000; }
    .error { color: #a4161a; }
    a.button { display: inline-block; padding: .4rem .8rem; background: #24405f; color: #fff; text-decoration: none; border-radius: 3px; }
    a.button:focus { outline: 3px solid #ffbf47; }
    .breakglass { color: #a4161a; font-weight: bold; }
    """

    static let script = """
    'use strict';
    (function () {
      let token = sessionStorage.getItem('svt') || '';
      // Signed in through the organisation's identity provider: the session cookie (HttpOnly) authenticates, no token here.
      let viaSession = false;
      const $ = (id) => document.getElementById(id);

      function setCookie(value) {
        const secure = location.protocol === 'https:' ? '; Secure' : '';
        document.cookie = 'svt_session=' + value + '; path=/api; SameSite=Strict' + secure + (value ? '' : '; Max-Age=0');
      }

      async function api(path) {
        const headers = token ? { 'Authorization': 'Bearer ' + token } : {};
        const response = await fetch(path, { headers: headers, credentials: 'same-origin' });
        if (!response.ok) {
          let message = response.status + '';
          try { message = (await response.json()).error || message; } catch (e) {}
          const error = new Error(message);
          error.status = response.status;
          throw error;
        }
        return response.json();
      }

      function cell(row, text, className) {
        const td = document.createElement('td');
        td.textContent = text === null || text === undefined ? '' : String(text);
        if (className) td.className = className;
        row.appendChild(td);
        return td;
      }

      function showApp(me) {
        $('who').textContent = me.name + ' (' + me.role + ')';
        $('signin').hidden = true;
        $('app').hidden = false;
        $('signout').hidden = false;
        $('signin-error').textContent = '';
      }

      async function resumeSession() {
        try {
          const status = await (await fetch('/auth/status', { credentials: 'same-origin' })).json();
          $('sso-box').hidden = !status.signIn;
          $('signin-form').hidden = !status.tokens;
          if (!status.signIn) return false;
          const me = await api('/api/whoami');
          viaSession = true;
          showApp(me);
          await loadList();
          return true;
        } catch (e) {
          return false;
        }
      }

      async function signIn(value) {
        token = value.trim();
        try {
          const me = await api('/api/whoami');
          sessionStorage.setItem('svt', token);
          setCookie(token);
          showApp(me);
          await loadList();
        } catch (e) {
          token = '';
          sessionStorage.removeItem('svt');
          $('signin-error').textContent = 'Sign-in failed: ' + e.message;
        }
      }

      async function loadList() {
        const list = await api('/api/recordings');
        const body = $('recordings').tBodies[0];
        body.replaceChildren();
        for (const r of list.items) {
          const row = document.createElement('tr');
          row.dataset.id = r.id;
          cell(row, r.capturedOn);
          cell(row, r.patientPseudonym.slice(0, 12));
          cell(row, r.retentionClass);
          cell(row, r.consentScopes.join(', '));
          cell(row, r.daysUntilDisposal ?? 'not yet due (awaits trigger)');
          const td = cell(row, '');
          const play = document.createElement('button');
          play.textContent = 'Play';
          play.className = 'play';
          play.addEventListener('click', () => openRecording(r.id));
          td.appendChild(play);
          body.appendChild(row);
        }
        $('empty').hidden = list.items.length > 0;
      }

      let current = '';

      async function openRecording(id) {
        current = id;
        $('viewer').hidden = false;
        $('viewer-id').textContent = id;
        const player = $('player');
        player.src = '/api/recordings/' + encodeURIComponent(id) + '/review';
        player.load();
        await loadAudit(id);
      }

      async function loadAudit(id) {
        const trail = await api('/api/recordings/' + encodeURIComponent(id) + '/audit');
        const body = $('audit').tBodies[0];
        body.replaceChildren();
        for (const e of trail.items.slice().reverse()) {
          const row = document.createElement('tr');
          cell(row, new Date(e.time).toLocaleString());
          cell(row, e.actor);
          cell(row, e.role);
          cell(row, e.action);
          cell(row, e.purpose, e.breakGlass ? 'breakglass' : '');
          cell(row, e.outcome);
          body.appendChild(row);
        }
      }

      document.addEventListener('DOMContentLoaded', () => {
        $('signin-form').addEventListener('submit', (event) => {
          event.preventDefault();
          signIn($('token').value);
        });
        // The player's own reads are audited: refresh the view once playback starts.
        $('player').addEventListener('playing', () => { if (current) loadAudit(current); });
        $('signout').addEventListener('click', async () => {
          token = '';
          sessionStorage.removeItem('svt');
          setCookie('');
          if (viaSession) {
            // The session ends on the server; then on to the provider's own sign-out, if it has one.
            let next = '/';
            try { next = (await (await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' })).json()).next || '/'; } catch (e) {}
            location.assign(next);
            return;
          }
          location.reload();
        });
        if (token) { signIn(token); } else { resumeSession(); }
      });
    })();
    """
}
