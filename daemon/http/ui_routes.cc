// The incident web page: GET /ui/ (HTML and CSS), /ui/app.js and /ui/favicon.svg, embedded in the binary,
// no outside code. The page asks once for the admin token (kept in sessionStorage only), lists
// incidents and opens new ones through the JSON API (/api/v1/incidents), showing an API error
// next to the field it names. Vietnamese by default, English with the toggle.
//
// Every datum goes into the DOM through textContent (never innerHTML), and the headers forbid
// inline scripts, outside sources and framing.

#include "daemon/http/server.h"

namespace vigil {
namespace {

constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

constexpr const char* kPage = R"vigilhtml(<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Vigil — Sự cố</title>
<link rel="icon" href="/ui/favicon.svg" type="image/svg+xml">
<style>
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 72em; padding: 0 1em 2em; color: #1b1b1b; }
header { display: flex; align-items: center; gap: 1em; border-bottom: 1px solid #ccc; }
header h1 { flex: 1; font-size: 1.4em; }
section { margin-top: 1.2em; }
label { display: block; font-weight: 600; margin-top: .7em; }
input, select, textarea { font: inherit; padding: .3em; width: 100%; max-width: 36em; box-sizing: border-box; }
textarea { min-height: 5em; }
button { font: inherit; padding: .35em .9em; cursor: pointer; }
.err { color: #b00020; margin: .2em 0 0; min-height: 0; }
.err:empty { display: none; }
[aria-invalid="true"] { border: 2px solid #b00020; }
.ok { color: #1d6b2f; }
table { border-collapse: collapse; width: 100%; margin-top: .6em; }
th, td { border: 1px solid #ccc; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.sev-P1 { color: #b00020; font-weight: 700; }
.sev-P2 { color: #c05000; font-weight: 700; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(16em, 1fr)); gap: 0 1.5em; }
.muted { color: #666; }
.scroll { overflow-x: auto; }
[hidden] { display: none !important; }
</style>
<script src="/ui/app.js" defer></script>
</head>
<body>
<header>
  <h1 data-t="heading">Sự cố</h1>
  <button type="button" id="lang-toggle" lang="en">English</button>
  <button type="button" id="logout" data-t="logout" hidden>Đăng xuất</button>
</header>
<noscript><p>Trang này cần JavaScript. / This page needs JavaScript.</p></noscript>

<section id="login" hidden>
  <form id="login-form" autocomplete="off">
    <label for="token" data-t="token_label">Mã quản trị (admin token)</label>
    <input id="token" name="token" type="password" spellcheck="false">
    <p class="muted" data-t="token_help">Trong tệp admin.token của thư mục dữ liệu vigild. Chỉ giữ trong phiên trình duyệt này.</p>
    <p class="err" id="login-error" role="alert"></p>
    <button type="submit" id="login-submit" data-t="token_submit">Tiếp tục</button>
  </form>
</section>

<section id="main" hidden>
  <h2 data-t="new_heading">Mở sự cố mới</h2>
  <form id="incident-form" novalidate autocomplete="off">
    <label for="f-title" data-t="f_title">Tên sự cố</label>
    <input id="f-title" name="title" maxlength="500" aria-describedby="err-title">
    <p class="err" id="err-title" role="alert"></p>
    <div class="grid">
      <div>
        <label for="f-category" data-t="f_category">Loại sự cố</label>
        <select id="f-category" name="category" aria-describedby="err-category"></select>
        <p class="err" id="err-category" role="alert"></p>
      </div>
      <div>
        <label for="f-severity" data-t="f_severity">Mức độ</label>
        <select id="f-severity" name="severity" aria-describedby="err-severity"></select>
        <p class="err" id="err-severity" role="alert"></p>
      </div>
      <div>
        <label for="f-unit" data-t="f_unit">Đơn vị bị ảnh hưởng</label>
        <input id="f-unit" name="unit" list="unit-list" aria-describedby="err-unit">
        <datalist id="unit-list"></datalist>
        <p class="err" id="err-unit" role="alert"></p>
      </div>
      <div>
        <label for="f-detected" data-t="f_detected">Phát hiện lúc (giờ máy này; để trống là bây giờ)</label>
        <input id="f-detected" name="detected_at" type="datetime-local" aria-describedby="err-detected_at">
        <p class="err" id="err-detected_at" role="alert"></p>
      </div>
    </div>
    <label for="f-description" data-t="f_description">Mô tả</label>
    <textarea id="f-description" name="description" aria-describedby="err-description"></textarea>
    <p class="err" id="err-description" role="alert"></p>
    <p class="err" id="form-error" role="alert"></p>
    <p class="ok" id="form-ok" role="status"></p>
    <button type="submit" id="incident-submit" data-t="submit">Mở sự cố</button>
  </form>

  <h2 data-t="list_heading">Danh sách sự cố</h2>
  <button type="button" id="refresh" data-t="refresh">Tải lại</button>
  <p class="err" id="list-error" role="alert"></p>
  <div class="scroll">
  <table id="incidents">
    <thead><tr>
      <th data-t="c_id">#</th><th data-t="c_title">Tên sự cố</th><th data-t="c_category">Loại</th>
      <th data-t="c_severity">Mức độ</th><th data-t="c_state">Trạng thái</th>
      <th data-t="c_unit">Đơn vị</th><th data-t="c_detected">Phát hiện lúc</th><th data-t="c_report">Báo cáo</th>
    </tr></thead>
    <tbody></tbody>
  </table>
  </div>
  <p class="muted" id="empty" data-t="empty" hidden>Chưa có sự cố nào.</p>
</section>
</body>
</html>
)vigilhtml";

constexpr const char* kScript = R"vigiljs('use strict';
// vigild incident page. Data goes into the DOM through textContent only.
(function () {
  var TOKEN_KEY = 'vigil.admin_token';
  var LANG_KEY = 'vigil.lang';
  var T = {
    vi: {
      title: 'Vigil — Sự cố', heading: 'Sự cố', logout: 'Đăng xuất', toggle: 'English',
      token_label: 'Mã quản trị (admin token)',
      token_help: 'Trong tệp admin.token của thư mục dữ liệu vigild. Chỉ giữ trong phiên trình duyệt này.',
      token_submit: 'Tiếp tục', token_empty: 'Hãy dán mã quản trị.',
      token_bad: 'Mã quản trị không đúng.',
      new_heading: 'Mở sự cố mới', f_title: 'Tên sự cố', f_category: 'Loại sự cố',
      f_severity: 'Mức độ', f_unit: 'Đơn vị bị ảnh hưởng',
      f_detected: 'Phát hiện lúc (giờ máy này; để trống là bây giờ)', f_description: 'Mô tả',
      submit: 'Mở sự cố', submitting: 'Đang gửi…', opened: 'Đã mở sự cố #',
      list_heading: 'Danh sách sự cố', refresh: 'Tải lại', empty: 'Chưa có sự cố nào.',
      c_id: '#', c_title: 'Tên sự cố', c_category: 'Loại', c_severity: 'Mức độ',
      c_state: 'Trạng thái', c_unit: 'Đơn vị', c_detected: 'Phát hiện lúc', c_report: 'Báo cáo',
      report_initial: 'Ban đầu', report_final: 'Kết thúc',
      network: 'Không kết nối được với vigild: ', error: 'Lỗi: ',
      bad_time: 'Thời điểm không hợp lệ.',
      cat: {
        malware: 'Mã độc', ransomware: 'Mã độc tống tiền',
        defacement: 'Thay đổi giao diện trang/cổng thông tin',
        ddos: 'Tấn công từ chối dịch vụ (DDoS)', phishing: 'Lừa đảo (phishing)',
        account_compromise: 'Chiếm đoạt tài khoản', data_leak: 'Lộ lọt dữ liệu cá nhân',
        vuln_exploitation: 'Khai thác lỗ hổng', other: 'Khác'
      },
      sev: { P1: 'P1 — khẩn cấp', P2: 'P2 — cao', P3: 'P3 — trung bình', P4: 'P4 — thấp' },
      state: {
        'new': 'mới', acknowledged: 'đã tiếp nhận', triaged: 'đã phân loại',
        contained: 'đã ngăn chặn', recovered: 'đã khôi phục', reported: 'đã báo cáo',
        closed: 'đã đóng', false_positive: 'báo động nhầm', duplicate: 'trùng lặp'
      },
      codes: {
        missing_field: 'Bắt buộc phải nhập.', invalid_field: 'Giá trị không hợp lệ.'
      },
      fields: {
        title: 'Hãy nhập tên sự cố.', unit: 'Hãy nhập đơn vị bị ảnh hưởng.'
      }
    },
    en: {
      title: 'Vigil — Incidents', heading: 'Incidents', logout: 'Sign out', toggle: 'Tiếng Việt',
      token_label: 'Admin token',
      token_help: 'In the admin.token file of the vigild data directory. Kept for this browser session only.',
      token_submit: 'Continue', token_empty: 'Paste the admin token.',
      token_bad: 'The admin token is not valid.',
      new_heading: 'Open a new incident', f_title: 'Title', f_category: 'Category',
      f_severity: 'Severity', f_unit: 'Affected unit',
      f_detected: 'Detected at (this computer\'s time; empty means now)', f_description: 'Description',
      submit: 'Open incident', submitting: 'Sending…', opened: 'Opened incident #',
      list_heading: 'Incident list', refresh: 'Reload', empty: 'No incidents yet.',
      c_id: '#', c_title: 'Title', c_category: 'Category', c_severity: 'Severity',
      c_state: 'State', c_unit: 'Unit', c_detected: 'Detected at', c_report: 'Report',
      report_initial: 'Initial', report_final: 'Final',
      network: 'Cannot reach vigild: ', error: 'Error: ',
      bad_time: 'Not a valid time.',
      cat: {
        malware: 'Malware', ransomware: 'Ransomware', defacement: 'Website/portal defacement',
        ddos: 'Denial of service (DDoS)', phishing: 'Phishing',
        account_compromise: 'Account compromise', data_leak: 'Personal-data leak',
        vuln_exploitation: 'Vulnerability exploitation', other: 'Other'
      },
      sev: { P1: 'P1 — critical', P2: 'P2 — high', P3: 'P3 — medium', P4: 'P4 — low' },
      state: {
        'new': 'new', acknowledged: 'acknowledged', triaged: 'triaged', contained: 'contained',
        recovered: 'recovered', reported: 'reported', closed: 'closed',
        false_positive: 'false positive', duplicate: 'duplicate'
      },
      codes: { missing_field: 'Required.', invalid_field: 'Not a valid value.' },
      fields: { title: 'Enter a title.', unit: 'Enter the affected unit.' }
    }
  };
  var CATEGORIES = ['malware', 'ransomware', 'defacement', 'ddos', 'phishing',
    'account_compromise', 'data_leak', 'vuln_exploitation', 'other'];
  var SEVERITIES = ['P1', 'P2', 'P3', 'P4'];
  var FORM_FIELDS = ['title', 'category', 'severity', 'unit', 'detected_at', 'description'];

  var lang = 'vi';
  try { if (localStorage.getItem(LANG_KEY) === 'en') lang = 'en'; } catch (e) { /* private mode */ }
  var lastIncidents = [];
  var lastError = null;  // {field, error} shown in the form, re-rendered on a language change

  function $(id) { return document.getElementById(id); }
  function t(key) { return T[lang][key]; }
  function token() { try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; } }
  function setToken(v) {
    try { if (v) sessionStorage.setItem(TOKEN_KEY, v); else sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
  }

  // fetch with the token; resolves {status, body} (body: parsed JSON or null).
  function api(method, path, body) {
    var init = { method: method, headers: { 'Authorization': 'Bearer ' + token() }, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (r) {
      return r.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
        return { status: r.status, body: parsed };
      });
    });
  }

  function apiError(res) {
    return (res.body && res.body.error) || { code: 'http_' + res.status, message: 'HTTP ' + res.status, field: '' };
  }

  // ---- language

  function applyLang() {
    document.documentElement.lang = lang;
    document.title = t('title');
    var nodes = document.querySelectorAll('[data-t]');
    for (var i = 0; i < nodes.length; i++) {
      var v = T[lang][nodes[i].getAttribute('data-t')];
      if (typeof v === 'string') nodes[i].textContent = v;
    }
    var toggle = $('lang-toggle');
    toggle.textContent = t('toggle');
    toggle.lang = lang === 'vi' ? 'en' : 'vi';
    fillSelect($('f-category'), CATEGORIES, T[lang].cat);
    fillSelect($('f-severity'), SEVERITIES, T[lang].sev);
    renderList(lastIncidents);
    if (lastError) showFormError(lastError);
  }

  function fillSelect(sel, values, labels) {
    var keep = sel.value;
    while (sel.firstChild) sel.removeChild(sel.firstChild);
    values.forEach(function (v) {
      var o = document.createElement('option');
      o.value = v;
      o.textContent = labels[v] || v;
      sel.appendChild(o);
    });
    if (keep) sel.value = keep;
  }

  // ---- token

  function showLogin(message) {
    $('main').hidden = true;
    $('logout').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('token').focus();
  }

  function showMain() {
    $('login').hidden = true;
    $('main').hidden = false;
    $('logout').hidden = false;
    loadUnits();
    loadList();
  }

  function onLogin(ev) {
    ev.preventDefault();
    var v = $('token').value.trim();
    if (!v) { $('login-error').textContent = t('token_empty'); return; }
    setToken(v);
    $('login-submit').disabled = true;
    api('GET', '/api/v1/incidents?state=all&limit=1').then(function (res) {
      $('login-submit').disabled = false;
      if (res.status === 401) { setToken(''); showLogin(t('token_bad')); return; }
      $('token').value = '';
      showMain();
    }, function (e) {
      $('login-submit').disabled = false;
      $('login-error').textContent = t('network') + e.message;
    });
  }

  function unauthorized() {
    setToken('');
    showLogin(t('token_bad'));
  }

  // ---- list

  function loadUnits() {
    api('GET', '/api/v1/units').then(function (res) {
      if (res.status !== 200 || !res.body || !Array.isArray(res.body.units)) return;
      var list = $('unit-list');
      while (list.firstChild) list.removeChild(list.firstChild);
      res.body.units.forEach(function (u) {
        var o = document.createElement('option');
        o.value = String(u.id);
        o.textContent = String(u.name || u.id);
        list.appendChild(o);
      });
    }, function () { /* the list is a convenience */ });
  }

  function loadList() {
    $('list-error').textContent = '';
    return api('GET', '/api/v1/incidents?state=all&limit=200').then(function (res) {
      if (res.status === 401) return unauthorized();
      if (res.status !== 200 || !res.body) {
        $('list-error').textContent = t('error') + apiError(res).message;
        return;
      }
      lastIncidents = res.body.incidents || [];
      renderList(lastIncidents);
    }, function (e) { $('list-error').textContent = t('network') + e.message; });
  }

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text == null ? '' : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function formatTime(s) {
    var d = new Date(s);
    if (isNaN(d.getTime())) return s;
    return d.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB');
  }

  function renderList(items) {
    var body = document.querySelector('#incidents tbody');
    while (body.firstChild) body.removeChild(body.firstChild);
    items.forEach(function (it) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-id', String(it.id));
      cell(tr, it.id, 'c-id');
      cell(tr, it.title, 'c-title');
      cell(tr, T[lang].cat[it.category] || it.category, 'c-category');
      cell(tr, it.severity, 'c-severity sev-' + String(it.severity).replace(/[^A-Za-z0-9]/g, ''));
      cell(tr, T[lang].state[it.state] || it.state, 'c-state');
      cell(tr, it.unit, 'c-unit');
      cell(tr, formatTime(it.detected_at), 'c-detected');
      var reports = cell(tr, '', 'c-report');
      ['initial', 'final'].forEach(function (kind, i) {
        if (i) reports.appendChild(document.createTextNode(' · '));
        var a = document.createElement('a');
        a.href = '/api/v1/incidents/' + encodeURIComponent(it.id) + '/report/' + kind + '?format=html&lang=' + lang;
        a.textContent = t('report_' + kind);
        a.className = 'report-' + kind;
        a.addEventListener('click', openReport);
        reports.appendChild(a);
      });
      body.appendChild(tr);
    });
    $('empty').hidden = items.length > 0;
  }

  // The report needs the token in a header, which a plain link cannot send: fetch it and show
  // it from a blob (same origin, so this page's Content-Security-Policy applies to it too).
  function openReport(ev) {
    ev.preventDefault();
    var href = ev.currentTarget.getAttribute('href');
    var win = window.open('', '_blank');
    fetch(href, { headers: { 'Authorization': 'Bearer ' + token() }, cache: 'no-store' }).then(function (r) {
      if (r.status === 401) { if (win) win.close(); return unauthorized(); }
      return r.blob().then(function (b) {
        var url = URL.createObjectURL(new Blob([b], { type: r.ok ? 'text/html;charset=utf-8' : 'text/plain;charset=utf-8' }));
        if (win) win.location.href = url; else window.location.href = url;
        setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      });
    }, function (e) {
      if (win) win.close();
      $('list-error').textContent = t('network') + e.message;
    });
  }

  // ---- the form

  function clearFormErrors() {
    lastError = null;
    FORM_FIELDS.forEach(function (f) {
      $('err-' + f).textContent = '';
      var input = document.querySelector('#incident-form [name="' + f + '"]');
      if (input) input.removeAttribute('aria-invalid');
    });
    $('form-error').textContent = '';
  }

  // An API error goes next to the field it names; one naming no field of the form goes under it.
  function showFormError(e) {
    lastError = e;
    var field = String(e.field || '');
    var msg = (T[lang].fields[field] && e.code === 'missing_field') ? T[lang].fields[field]
      : (lang === 'vi' && T.vi.codes[e.code] ? T.vi.codes[e.code] + ' (' + e.message + ')' : e.message);
    if (FORM_FIELDS.indexOf(field) >= 0) {
      $('err-' + field).textContent = msg;
      var input = document.querySelector('#incident-form [name="' + field + '"]');
      if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
    } else {
      $('form-error').textContent = t('error') + (field ? field + ': ' : '') + msg;
    }
  }

  var submitting = false;
  function onSubmit(ev) {
    ev.preventDefault();
    if (submitting) return;  // one click, one incident
    clearFormErrors();
    $('form-ok').textContent = '';
    var body = {
      title: $('f-title').value.trim(),
      category: $('f-category').value,
      severity: $('f-severity').value,
      unit: $('f-unit').value.trim(),
      description: $('f-description').value,
      source: 'web'
    };
    var detected = $('f-detected').value;
    if (detected) {
      var d = new Date(detected);
      if (isNaN(d.getTime())) return showFormError({ code: 'invalid_field', field: 'detected_at', message: t('bad_time') });
      body.detected_at = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    submitting = true;
    var button = $('incident-submit');
    button.disabled = true;
    button.textContent = t('submitting');
    api('POST', '/api/v1/incidents', body).then(function (res) {
      if (res.status === 401) return unauthorized();
      if (res.status !== 201 && res.status !== 200) return showFormError(apiError(res));
      var id = res.body && res.body.incident ? res.body.incident.id : '';
      $('incident-form').reset();
      $('form-ok').textContent = t('opened') + id;
      return loadList();
    }, function (e) {
      $('form-error').textContent = t('network') + e.message;
    }).then(function () {
      submitting = false;
      button.disabled = false;
      button.textContent = t('submit');
    });
  }

  function init() {
    applyLang();
    $('lang-toggle').addEventListener('click', function () {
      lang = lang === 'vi' ? 'en' : 'vi';
      try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* ignore */ }
      applyLang();
    });
    $('logout').addEventListener('click', function () { setToken(''); showLogin(''); });
    $('login-form').addEventListener('submit', onLogin);
    $('incident-form').addEventListener('submit', onSubmit);
    $('refresh').addEventListener('click', loadList);
    if (token()) showMain(); else showLogin('');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
)vigiljs";

constexpr const char* kIcon =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">"
    "<circle cx=\"8\" cy=\"8\" r=\"7\" fill=\"#b00020\"/>"
    "<rect x=\"7\" y=\"3\" width=\"2\" height=\"6\" fill=\"#fff\"/>"
    "<rect x=\"7\" y=\"11\" width=\"2\" height=\"2\" fill=\"#fff\"/></svg>";

void Secure(HttpResponse& res) {
  res.set_header("Content-Security-Policy", kCsp);
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
}

}  // namespace

void HttpServer::UiRoutes() {
  Get("/ui", [](const HttpRequest&, HttpResponse& res) {
    res.status = 308;
    res.set_header("Location", "/ui/");
    res.set_content("/ui/\n", "text/plain; charset=utf-8");
  });
  Get("/ui/", [](const HttpRequest&, HttpResponse& res) {
    Secure(res);
    res.set_content(kPage, "text/html; charset=utf-8");
  });
  Get("/ui/app.js", [](const HttpRequest&, HttpResponse& res) {
    Secure(res);
    res.set_content(kScript, "text/javascript; charset=utf-8");
  });
  Get("/ui/favicon.svg", [](const HttpRequest&, HttpResponse& res) {
    Secure(res);
    res.set_content(kIcon, "image/svg+xml");
  });
}

}  // namespace vigil
