/* The modeler's impact panel: what deploying the edited diagram changes (the changed elements marked on
   the canvas), which running applications wait where it changes, and a dry run on finished ones. */
(function () {
  'use strict';
  const R = window.Rootball;
  const panel = document.getElementById('impact');
  const modeler = window.rootballModeler;
  if (!panel || !modeler) { return; }
  const cfg = panel.dataset;
  const file = document.getElementById('modeler').dataset.file;
  const status = document.getElementById('impact-status');
  const result = document.getElementById('impact-result');
  const dryResult = document.getElementById('dry-run-result');
  const canvas = modeler.get('canvas');
  const registry = modeler.get('elementRegistry');
  const CHANGE_LABELS = { added: '新增', removed: '删除', changed: '修改' };
  let marked = [];

  function clearMarks() {
    marked.forEach(function (m) { if (registry.get(m[0])) { canvas.removeMarker(m[0], m[1]); } });
    marked = [];
  }

  function mark(elementId, change) {
    const css = change === 'added' ? 'rb-added' : 'rb-changed';
    if (registry.get(elementId)) { canvas.addMarker(elementId, css); marked.push([elementId, css]); }
  }

  async function send(url) {
    const xml = (await modeler.saveXML({ format: true })).xml;
    return R.postJson(url, { file: file, xml: xml });
  }

  function problems(target, body) {
    R.el(target, 'p', body.error || '请求失败', { class: 'flash danger' });
    const list = R.el(target, 'ul', null, { class: 'problems' });
    (body.problems || []).forEach(function (p) {
      R.el(list, 'li', (p.element_id ? p.element_id + '：' : '') + p.message);
    });
  }

  function table(parent, headers, rows) {
    const wrap = R.el(parent, 'div', null, { class: 'table-scroll' });
    const t = R.el(wrap, 'table');
    const head = R.el(R.el(t, 'thead'), 'tr');
    headers.forEach(function (h) { R.el(head, 'th', h); });
    const body = R.el(t, 'tbody');
    rows.forEach(function (cells) {
      const tr = R.el(body, 'tr');
      cells.forEach(function (c) {
        const td = R.el(tr, 'td');
        if (c && typeof c === 'object') { R.el(td, 'a', c.text, { href: c.href }); } else { td.textContent = c; }
      });
    });
    return t;
  }

  function instanceLink(id) {
    return { text: '#' + id, href: cfg.instanceUrl.replace(/0$/, String(id)) };
  }

  async function preview() {
    status.textContent = '正在比较……';
    result.replaceChildren();
    clearMarks();
    const response = await send(cfg.impactUrl);
    status.textContent = '';
    if (response.status !== 200) { problems(result, response.body); return; }
    const body = response.body;
    body.changes.forEach(function (c) { if (c.change !== 'removed') { mark(c.element_id, c.change); } });
    const summary = R.el(result, 'p', null, { id: 'impact-summary' });
    summary.textContent = body.changes.length
      ? '与最新版本相比有 ' + body.changes.length + ' 处改动（图中绿色为新增，橙色为修改）。'
      : '与最新版本相比没有改动。';
    if (body.changes.length) {
      table(result, ['改动', '元素', '编号', '内容'], body.changes.map(function (c) {
        return [CHANGE_LABELS[c.change] || c.change, c.name || '（未命名）', c.element_id, c.what];
      })).id = 'impact-changes';
    }
    const running = body.running.filter(function (r) { return r.instances > 0; });
    R.el(result, 'h3', '运行中的申报');
    if (!running.length) { R.el(result, 'p', '没有运行中的实例。'); }
    running.forEach(function (r) {
      R.el(result, 'p', r.label + ' 第' + r.version + '版：运行中 ' + r.instances + ' 个，其中 ' + r.affected +
        ' 个停留在修改或删除的环节上。', { 'data-running-version': String(r.version_id), 'data-affected': String(r.affected) });
      if (r.on_changed.length) {
        table(result, ['实例', '申报', '阶段', '停留环节', '改动', '停留自'], r.on_changed.map(function (w) {
          return [instanceLink(w.instance_id), w.title || '—', w.stage || '', w.element_name || w.element_id,
            CHANGE_LABELS[w.change] || w.change, w.since || ''];
        }));
      }
    });
    R.el(R.el(result, 'p'), 'a', '部署后迁移运行中的实例……', { href: cfg.migrationsUrl });
  }

  async function dryRun() {
    status.textContent = '正在重放历史记录……';
    dryResult.replaceChildren();
    const response = await send(cfg.dryRunUrl);
    status.textContent = '';
    if (response.status !== 200) { problems(dryResult, response.body); return; }
    R.el(dryResult, 'h3', '用历史记录试运行');
    response.body.results.forEach(function (r) {
      R.el(dryResult, 'p', r.label + '：重放 ' + r.replayed + ' 个已结束的申报，' + r.same + ' 个路径相同，' +
        r.parted.length + ' 个不同' + (r.skipped.length ? '，' + r.skipped.length + ' 个无起始记录未重放' : '') + '。',
      { 'data-dry-run': r.process_key, 'data-parted': String(r.parted.length) });
      if (r.parted.length) {
        table(dryResult, ['实例', '分歧环节', '说明'], r.parted.map(function (p) {
          return [instanceLink(p.instance_id), p.name || p.element_id || '—', p.reason];
        }));
      }
    });
  }

  // After a deploy, offer to move the running applications onto the new version.
  const root = document.getElementById('modeler');
  new MutationObserver(function () {
    const box = document.getElementById('deploy-result');
    if (root.dataset.deployed && root.dataset.deployed !== 'unchanged' && box && !box.querySelector('.migrate-link')) {
      const line = R.el(box, 'p');
      R.el(line, 'a', '迁移运行中的实例到新版本……', { href: cfg.migrationsUrl, class: 'migrate-link' });
    }
  }).observe(root, { attributes: true, attributeFilter: ['data-deployed'] });

  document.getElementById('impact-run').addEventListener('click', function () {
    preview().catch(function (e) { status.textContent = '预览失败：' + e.message; });
  });
  document.getElementById('dry-run').addEventListener('click', function () {
    dryRun().catch(function (e) { status.textContent = '试运行失败：' + e.message; });
  });
}());
