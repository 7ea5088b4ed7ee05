/// The web page's script (`/app.js`). It talks only to the service's own JSON API. Changes made
/// with the session cookie carry the session's anti-forgery token (`X-CSRF-Token`, read from
/// `/api/whoami`) and are sent with `referrerPolicy: 'same-origin'`, so the browser names the
/// page's origin in `Origin` (the page's own policy is `no-referrer`, under which it would say `null`).
/// An officer's passphrase is read from the dialog for one act and the field is cleared at once.
enum WebScript {
    static let js = """
    'use strict';
    (function () {
      let token = sessionStorage.getItem('svt') || '';
      // Signed in through the organisation's identity provider: the session cookie (HttpOnly) authenticates, no token here.
      let viaSession = false;
      let csrf = '';
      let me = null;
      const $ = (id) => document.getElementById(id);

      function setCookie(value) {
        const secure = location.protocol === 'https:' ? '; Secure' : '';
        document.cookie = 'svt_session=' + value + '; path=/api; SameSite=Strict' + secure + (value ? '' : '; Max-Age=0');
      }

      async function failure(response) {
        let message = response.status + '';
        try { message = (await response.json()).error || message; } catch (e) {}
        const error = new Error(message);
        error.status = response.status;
        return error;
      }

      async function api(path) {
        const headers = token ? { 'Authorization': 'Bearer ' + token } : {};
        const response = await fetch(path, { headers: headers, credentials: 'same-origin' });
        if (!response.ok) throw await failure(response);
        return response.json();
      }

      // A change: JSON, with the session's anti-forgery token (or the bearer token).
      async function send(path, body) {
        const headers = { 'Content-Type': 'application/json' };
        if (token) headers['Authorization'] = 'Bearer ' + token;
        if (csrf) headers['X-CSRF-Token'] = csrf;
        const response = await fetch(path, { method: 'POST', headers: headers, body: JSON.stringify(body || {}),
                                             credentials: 'same-origin', referrerPolicy: 'same-origin' });
        if (!response.ok) throw await failure(response);
        return response.json();
      }

      function cell(row, text, className) {
        const td = document.createElement('td');
        td.textContent = text === null || text === undefined ? '' : String(text);
        if (className) td.className = className;
        row.appendChild(td);
        return td;
      }

      function button(label, className, onClick, description) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = label;
        if (className) b.className = className;
        if (description) b.setAttribute('aria-label', description);
        b.addEventListener('click', onClick);
        return b;
      }

      function showApp(who) {
        me = who;
        csrf = who.csrfToken || '';
        $('who').textContent = who.name + ' (' + who.role + ')';
        $('signin').hidden = true;
        $('app').hidden = false;
        $('signout').hidden = false;
        $('signin-error').textContent = '';
        $('views').hidden = !who.officer;
        $('show-officer').hidden = !who.officer;
      }

      function showView(officer) {
        $('recordings-view').hidden = officer;
        $('officer-view').hidden = !officer;
        $('show-recordings').setAttribute('aria-current', officer ? 'false' : 'page');
        $('show-officer').setAttribute('aria-current', officer ? 'page' : 'false');
        if (officer) loadOfficer();
      }

      async function resumeSession() {
        try {
          const status = await (await fetch('/auth/status', { credentials: 'same-origin' })).json();
          $('sso-box').hidden = !status.signIn;
          $('signin-form').hidden = !status.tokens;
          if (!status.signIn) return false;
          const who = await api('/api/whoami');
          viaSession = true;
          showApp(who);
          await loadList();
          return true;
        } catch (e) {
          return false;
        }
      }

      async function signIn(value) {
        token = value.trim();
        try {
          const who = await api('/api/whoami');
          sessionStorage.setItem('svt', token);
          setCookie(token);
          showApp(who);
          await loadList();
        } catch (e) {
          token = '';
          sessionStorage.removeItem('svt');
          $('signin-error').textContent = 'Sign-in failed: ' + e.message;
        }
      }

      // MARK: recordings

      function filterQuery() {
        const q = new URLSearchParams();
        const pseudonym = $('f-pseudonym').value.trim();
        if (pseudonym) q.set('pseudonym', pseudonym);
        if ($('f-class').value) q.set('class', $('f-class').value);
        if ($('f-from').value) q.set('since', $('f-from').value);
        if ($('f-to').value) q.set('until', $('f-to').value);
        const text = q.toString();
        return text ? '?' + text : '';
      }

      async function loadList() {
        let list;
        try {
          list = await api('/api/recordings' + filterQuery());
        } catch (e) {
          $('list-status').textContent = 'Could not search: ' + e.message;
          return;
        }
        $('list-status').textContent = list.count + ' recording' + (list.count === 1 ? '' : 's');
        const body = $('recordings').tBodies[0];
        body.replaceChildren();
        for (const r of list.items) {
          const row = document.createElement('tr');
          row.dataset.id = r.id;
          cell(row, r.capturedOn, 'date');
          const patient = cell(row, '');
          patient.appendChild(button(r.patientPseudonym.slice(0, 12), 'link', () => {
            $('f-pseudonym').value = r.patientPseudonym;
            loadList();
          }, 'Show only this patient\\'s recordings (' + r.patientPseudonym.slice(0, 12) + ')'));
          cell(row, r.retentionClass);
          cell(row, r.consentScopes.join(', '));
          cell(row, r.daysUntilDisposal ?? 'not yet due (awaits trigger)');
          const td = cell(row, '');
          td.appendChild(button('Play', 'play', () => openRecording(r.id), 'Play the recording of ' + r.capturedOn));
          body.appendChild(row);
        }
        $('empty').hidden = list.items.length > 0;
        $('recordings').hidden = list.items.length === 0;
      }

      let current = '';

      async function openRecording(id) {
        current = id;
        $('viewer').hidden = false;
        $('viewer-id').textContent = id;
        const player = $('player');
        player.src = '/api/recordings/' + encodeURIComponent(id) + '/review';
        player.load();
        $('viewer-title').focus();
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

      // MARK: the records officer's view

      function officerSays(text, isError) {
        const status = $('officer-status');
        status.textContent = text;
        status.className = isError ? 'error' : '';
      }

      function clockText(r) {
        if (r.state === 'overdue') return 'OVERDUE by ' + (-r.daysLeft) + ' day' + (r.daysLeft === -1 ? '' : 's');
        if (r.state === 'paused') return 'paused (' + (r.pauseReason || '?') + ') since ' + (r.pausedOn || '?');
        if (r.daysLeft === 0) return 'due today';
        return r.daysLeft + ' day' + (r.daysLeft === 1 ? '' : 's') + ' left';
      }

      async function loadOfficer() {
        try {
          const [queue, holds, requests] = await Promise.all([api('/api/officer/dispositions'), api('/api/officer/holds'), api('/api/officer/requests')]);
          const q = $('queue').tBodies[0];
          q.replaceChildren();
          for (const d of queue.items) {
            const row = document.createElement('tr');
            row.dataset.id = d.recording;
            const id = cell(row, '');
            const code = document.createElement('code');
            code.textContent = d.recording;
            id.appendChild(code);
            cell(row, d.dueOn, 'date');
            cell(row, d.rule || '');
            const td = cell(row, '');
            td.appendChild(button('Approve', 'approve', () => ask({
              title: 'Approve destruction', what: 'Recording ' + d.recording + ' will be destroyed by the next sweep. Your decision is signed with your officer key.',
              path: '/api/officer/dispositions/' + encodeURIComponent(d.recording) + '/approve', reason: 'Note for the record (optional)' }),
              'Approve destruction of ' + d.recording));
            td.appendChild(button('Extend', 'extend secondary', () => ask({
              title: 'Keep longer', what: 'Recording ' + d.recording + ' is kept until the date you give, for the reason you give.',
              path: '/api/officer/dispositions/' + encodeURIComponent(d.recording) + '/extend', reason: 'Why it is kept longer', reasonRequired: true, until: true }),
              'Keep ' + d.recording + ' longer'));
            q.appendChild(row);
          }
          $('queue-empty').hidden = queue.items.length > 0;
          $('queue').hidden = queue.items.length === 0;

          const h = $('holds').tBodies[0];
          h.replaceChildren();
          for (const hold of holds.items) {
            const row = document.createElement('tr');
            row.dataset.id = String(hold.id);
            cell(row, hold.id);
            cell(row, hold.recording || ('patient ' + (hold.patientPseudonym || '')));
            cell(row, hold.caseRef);
            cell(row, hold.reason);
            cell(row, hold.placedOn, 'date');
            cell(row, hold.placedBy);
            const td = cell(row, '');
            td.appendChild(button('Release', 'release secondary', () => ask({
              title: 'Release hold ' + hold.id, what: 'Its recordings follow the retention schedule again.',
              path: '/api/officer/holds/' + hold.id + '/release', reason: 'Why it is released' }), 'Release hold ' + hold.id));
            h.appendChild(row);
          }
          $('holds-empty').hidden = holds.items.length > 0;
          $('holds').hidden = holds.items.length === 0;

          const r = $('requests').tBodies[0];
          r.replaceChildren();
          for (const req of requests.items) {
            const row = document.createElement('tr');
            row.dataset.id = String(req.id);
            cell(row, req.id);
            cell(row, req.kind.toUpperCase());
            cell(row, req.receivedOn, 'date');
            cell(row, req.dueOn, 'date');
            cell(row, clockText(req), req.state === 'overdue' ? 'overdue' : '');
            cell(row, req.reference || '');
            r.appendChild(row);
          }
          $('requests-empty').hidden = requests.items.length > 0;
          $('requests').hidden = requests.items.length === 0;
        } catch (e) {
          officerSays('Could not load the officer\\'s view: ' + e.message, true);
        }
      }

      // The act waiting for the officer's passphrase.
      let pending = null;
      let opener = null;

      function ask(act) {
        pending = act;
        opener = document.activeElement;
        $('stepup-title').textContent = act.title;
        $('stepup-what').textContent = act.what;
        $('stepup-until-row').hidden = !act.until;
        $('stepup-until').required = !!act.until;
        $('stepup-until').value = '';
        $('stepup-reason-row').hidden = !act.reason;
        $('stepup-reason-label').textContent = act.reason || 'Reason';
        $('stepup-reason').required = !!act.reasonRequired;
        $('stepup-reason').value = '';
        $('stepup-passphrase').value = '';
        $('stepup-error').textContent = '';
        $('stepup').showModal();
        (act.until ? $('stepup-until') : act.reason ? $('stepup-reason') : $('stepup-passphrase')).focus();
      }

      function closeAsk() {
        $('stepup-passphrase').value = '';
        pending = null;
        if ($('stepup').open) $('stepup').close();
        if (opener && document.contains(opener)) opener.focus(); else $('officer-status').focus();
      }

      async function confirmAct() {
        if (!pending) return;
        const body = Object.assign({}, pending.body || {});
        if (pending.reason && $('stepup-reason').value.trim()) body.reason = $('stepup-reason').value.trim();
        if (pending.until) body.until = $('stepup-until').value;
        body.passphrase = $('stepup-passphrase').value;
        $('stepup-passphrase').value = '';
        $('stepup-confirm').disabled = true;
        try {
          const done = await send(pending.path, body);
          body.passphrase = '';
          const after = pending.after;
          closeAsk();
          officerSays(done.done + ' (' + done.by + ')', false);
          if (after) after();
          await loadOfficer();
          $('officer-status').focus();
        } catch (e) {
          body.passphrase = '';
          $('stepup-error').textContent = 'Refused: ' + e.message;
          $('stepup-passphrase').focus();
        } finally {
          $('stepup-confirm').disabled = false;
        }
      }

      document.addEventListener('DOMContentLoaded', () => {
        $('signin-form').addEventListener('submit', (event) => {
          event.preventDefault();
          signIn($('token').value);
        });
        $('filters').addEventListener('submit', (event) => { event.preventDefault(); loadList(); });
        $('filters').addEventListener('reset', () => { setTimeout(loadList, 0); });
        $('show-recordings').addEventListener('click', () => showView(false));
        $('show-officer').addEventListener('click', () => showView(true));
        $('hold-form').addEventListener('submit', (event) => {
          event.preventDefault();
          ask({ title: 'Place a legal hold', what: 'Recording ' + $('hold-recording').value.trim() + ' is held (case ' + $('hold-ref').value.trim()
                + '): it is not destroyed, whatever is due, until the hold is released.',
                path: '/api/officer/holds', body: { recording: $('hold-recording').value.trim(), reason: $('hold-reason').value.trim(), ref: $('hold-ref').value.trim() },
                after: () => $('hold-form').reset() });
        });
        $('export-form').addEventListener('submit', (event) => {
          event.preventDefault();
          const patient = $('export-patient').value.trim();
          $('export-patient').value = '';
          ask({ title: 'Start a subject-access export', what: 'A review draft of the patient\\'s bundle is made; nothing is decrypted or released yet.',
                path: '/api/officer/exports', body: { patient: patient } });
        });
        $('stepup-form').addEventListener('submit', (event) => { event.preventDefault(); confirmAct(); });
        $('stepup-cancel').addEventListener('click', closeAsk);
        $('stepup').addEventListener('cancel', (event) => { event.preventDefault(); closeAsk(); });
        // The player's own reads are audited: refresh the view once playback starts.
        $('player').addEventListener('playing', () => { if (current) loadAudit(current); });
        $('signout').addEventListener('click', async () => {
          token = '';
          sessionStorage.removeItem('svt');
          setCookie('');
          if (viaSession) {
            // The session ends on the server; then on to the provider's own sign-out, if it has one.
            let next = '/';
            try {
              const headers = csrf ? { 'X-CSRF-Token': csrf } : {};
              next = (await (await fetch('/auth/logout', { method: 'POST', headers: headers, credentials: 'same-origin',
                                                           referrerPolicy: 'same-origin' })).json()).next || '/';
            } catch (e) {}
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
