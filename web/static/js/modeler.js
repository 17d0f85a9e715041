/* The process modeler page: bpmn-js Modeler, a small properties panel, XML editing, validation with
   the offending elements highlighted, and deployment as a new version. */
(function () {
  'use strict';
  const R = window.Rootball;
  const root = document.getElementById('modeler');
  const cfg = root.dataset;
  const modeler = new BpmnJS({ container: '#canvas' });
  window.rootballModeler = modeler;  // lets the browser tests reach the diagram

  const canvas = modeler.get('canvas');
  const overlays = modeler.get('overlays');
  const registry = modeler.get('elementRegistry');
  const modeling = modeler.get('modeling');
  const moddle = modeler.get('moddle');
  const selection = modeler.get('selection');
  const status = document.getElementById('status');
  const panel = document.getElementById('properties');
  // [technical key, Chinese name, hint]: the panel shows the Chinese name with the key beside it.
  const USER_TASK_PROPERTIES = [
    ['formKey', '表单', ''], ['dueIn', '办理期限', '如 P5WD：5 个工作日'],
    ['assignee', '指定办理人', '表达式'], ['scope', '办理范围', '表达式']
  ];
  const TIMER_LABELS = { timeDate: '定时日期', timeDuration: '定时时长', timeCycle: '定时周期' };
  let invalid = [];
  R.zoomButtons(modeler);

  function paletteInset() {
    const palette = document.querySelector('#canvas .djs-palette');
    return palette ? palette.offsetLeft + palette.offsetWidth + 10 : 0;
  }

  async function importXml(xml) {
    const result = await modeler.importXML(xml);
    R.chineseLanes(modeler);
    R.fitDiagram(modeler, 0, 0, { keepHeight: true, leftInset: paletteInset() });
    root.dataset.ready = '1';
    status.textContent = result.warnings.length ? '导入时有 ' + result.warnings.length + ' 条警告' : '';
  }

  async function currentXml() {
    return (await modeler.saveXML({ format: true })).xml;
  }

  // ---- properties panel ---------------------------------------------------------------------
  function timerOf(bo) {
    const timer = (bo.eventDefinitions || []).find(function (d) { return d.$type === 'bpmn:TimerEventDefinition'; });
    if (!timer) { return null; }
    const kind = ['timeDate', 'timeDuration', 'timeCycle'].find(function (k) { return timer[k]; }) || 'timeDate';
    return { definition: timer, kind: kind, value: timer[kind] ? timer[kind].body || '' : '' };
  }

  function fieldsOf(element) {
    const bo = element.businessObject;
    const lane = bo.$type === 'bpmn:Lane';
    const fields = [{ key: 'name', label: lane ? '泳道角色' : '名称', tech: 'name', value: bo.name || '',
                      hint: lane ? R.roleLabels()[bo.name] || '' : '' }];
    if (bo.$type === 'bpmn:UserTask') {
      USER_TASK_PROPERTIES.forEach(function (p) {
        fields.push({ key: 'property:' + p[0], id: p[0], label: p[1], tech: p[0], hint: p[2], value: R.getProperty(bo, p[0]) });
      });
    }
    if (bo.$type === 'bpmn:SequenceFlow') {
      fields.push({ key: 'condition', label: '条件表达式', tech: 'conditionExpression', value: bo.conditionExpression ? bo.conditionExpression.body || '' : '', area: true });
    }
    if (bo.$type === 'bpmn:ScriptTask') {
      fields.push({ key: 'script', label: '脚本', tech: 'script', value: bo.script || '', area: true });
    }
    const timer = timerOf(bo);
    if (timer) {
      fields.push({ key: 'timer', label: TIMER_LABELS[timer.kind] || '定时表达式', tech: timer.kind, value: timer.value });
    }
    return fields;
  }

  function renderProperties(element) {
    panel.replaceChildren();
    R.el(panel, 'h3', '元素属性');
    if (!element || element.type === 'label' || element === canvas.getRootElement()) {
      R.el(panel, 'p', '在图中点击一个元素以查看和修改其名称、表单、办理期限等属性。', { class: 'muted' });
      return;
    }
    const bo = element.businessObject;
    const about = R.el(panel, 'p');
    R.el(about, 'span', (R.TYPE_LABELS[bo.$type] || bo.$type) + ' ');
    R.el(about, 'code', element.id, { id: 'prop-id' });
    const inputs = {};
    fieldsOf(element).forEach(function (f) {
      const label = R.el(panel, 'label', f.label + ' ', { 'data-key': f.tech });
      R.el(label, 'code', '(' + f.tech + ')', { translate: 'no', class: 'prop-key' });
      if (f.hint) { R.el(label, 'small', f.hint, { class: 'help' }); }
      const input = R.el(label, f.area ? 'textarea' : 'input', null, { id: 'prop-' + (f.id || f.key), rows: '4' });
      input.value = f.value;
      inputs[f.key] = { field: f, input: input };
    });
    const apply = R.el(panel, 'button', '应用修改', { type: 'button', id: 'prop-apply' });
    apply.addEventListener('click', function () { applyProperties(element, inputs); });
  }

  function applyProperties(element, inputs) {
    const bo = element.businessObject;
    Object.keys(inputs).forEach(function (key) {
      const value = inputs[key].input.value.trim();
      if (value === inputs[key].field.value.trim()) { return; }
      if (key === 'name') {
        modeling.updateLabel(element, value);
      } else if (key.indexOf('property:') === 0) {
        R.setProperty(bo, moddle, key.slice('property:'.length), value);
        modeling.updateProperties(element, { extensionElements: bo.extensionElements });
      } else if (key === 'condition') {
        modeling.updateProperties(element, {
          conditionExpression: value ? moddle.create('bpmn:FormalExpression', { body: value }) : undefined
        });
      } else if (key === 'script') {
        modeling.updateProperties(element, { script: value });
      } else if (key === 'timer') {
        const timer = timerOf(bo);
        const update = {};
        update[timer.kind] = moddle.create('bpmn:FormalExpression', { body: value });
        modeling.updateModdleProperties(element, timer.definition, update);
      }
    });
    status.textContent = '已修改 ' + element.id + '（尚未部署）';
    renderProperties(element);
  }

  modeler.on('selection.changed', function (event) {
    renderProperties(event.newSelection.length === 1 ? event.newSelection[0] : null);
  });

  // ---- validation -----------------------------------------------------------------------------
  function clearProblems() {
    invalid.forEach(function (id) { if (registry.get(id)) { canvas.removeMarker(id, 'rb-invalid'); } });
    invalid = [];
    overlays.remove({ type: 'rb-problem' });
  }

  function showProblems(problems, valid) {
    clearProblems();
    const card = document.getElementById('problems-card');
    const list = document.getElementById('problems');
    card.hidden = false;
    list.replaceChildren();
    document.getElementById('problems-title').textContent = valid ? '校验通过，可以部署' : '发现 ' + problems.length + ' 个问题';
    root.dataset.validation = valid ? 'valid' : 'invalid';
    problems.forEach(function (p) {
      const where = p.file + (p.line ? ':' + p.line : '') + (p.element_id ? ' ' + p.element_id : '');
      const item = R.el(list, 'li', where + '：' + p.message, { 'data-element-id': p.element_id || '' });
      const element = p.file === cfg.file && p.element_id ? registry.get(p.element_id) : null;
      if (!element) { return; }
      if (invalid.indexOf(element.id) < 0) {
        canvas.addMarker(element.id, 'rb-invalid');
        invalid.push(element.id);
        const badge = document.createElement('div');
        badge.className = 'rb-problem-badge';
        badge.textContent = '问题';
        badge.title = p.message;
        overlays.add(element.id, 'rb-problem', { position: { top: -18, right: 18 }, html: badge });
      }
      item.addEventListener('click', function () {
        selection.select(element);
        canvas.scrollToElement(element);
      });
    });
  }

  async function validate() {
    status.textContent = '校验中…';
    const response = await R.postJson(cfg.validateUrl, { file: cfg.file, xml: await currentXml() });
    status.textContent = '';
    if (response.status !== 200) {
      status.textContent = response.body.error || '校验失败（' + response.status + '）';
      return;
    }
    showProblems(response.body.problems, response.body.valid);
  }

  // ---- deployment ---------------------------------------------------------------------------
  async function deploy() {
    const result = document.getElementById('deploy-result');
    const note = document.getElementById('deploy-note').value.trim();
    result.replaceChildren();
    if (!note) {
      R.el(result, 'p', '请填写版本说明', { class: 'flash danger' });
      return;
    }
    const response = await R.postJson(cfg.deployUrl, { file: cfg.file, xml: await currentXml(), note: note });
    if (response.status === 201 || response.status === 200) {
      const fresh = response.body.deployed.filter(function (v) { return v.new; });
      const box = R.el(result, 'div', null, { class: 'flash' });
      R.el(box, 'strong', fresh.length ? '部署成功：' : '内容未变化，未产生新版本：');
      response.body.deployed.forEach(function (v) {
        const link = R.el(box, 'a', ' ' + (v.label || v.process_key + ' v' + v.version) + ' ', {
          href: cfg.modelerUrl.replace(/\/0$/, '/' + v.id), 'data-new-version-id': v.id
        });
        link.className = v.new ? 'new-version' : 'same-version';
      });
      R.el(box, 'span', ' 运行中的实例保持原版本。');
      R.el(box, 'a', '返回版本列表', { href: cfg.versionsUrl });
      root.dataset.deployed = fresh.map(function (v) { return v.process_key + ' v' + v.version; }).join(',') || 'unchanged';
      showDeployed(fresh.find(function (v) { return v.process_key === cfg.processKey; }));
      return;
    }
    R.el(result, 'p', response.body.error || '部署失败（' + response.status + '）', { class: 'flash danger' });
    if (response.body.problems && response.body.problems.length) { showProblems(response.body.problems, false); }
  }

  /* The page now edits the version just deployed: its heading, title and address follow. */
  function showDeployed(version) {
    if (!version) { return; }
    const heading = document.getElementById('modeler-version');
    heading.textContent = version.label;
    document.title = document.title.replace(cfg.versionLabel, version.label);
    cfg.versionLabel = version.label;
    cfg.versionId = String(version.id);
    const address = cfg.modelerUrl.replace(/\/0$/, '/' + version.id) + window.location.search;
    window.history.replaceState(null, '', address);
    const stale = document.getElementById('not-newest');
    if (stale) { stale.hidden = true; }
    document.getElementById('version-facts').textContent = '刚刚部署；已有的申报仍在原版本上运行，新的申报使用此版本。';
  }

  // ---- XML ------------------------------------------------------------------------------------
  async function toggleXml() {
    const card = document.getElementById('xml-card');
    card.hidden = !card.hidden;
    if (!card.hidden) { document.getElementById('xml-editor').value = await currentXml(); }
  }

  async function importFromEditor() {
    try {
      await importXml(document.getElementById('xml-editor').value);
      clearProblems();
      status.textContent = '已导入 XML（尚未部署）';
    } catch (e) {
      status.textContent = 'XML 无法导入：' + e.message;
    }
  }

  async function download() {
    const blob = new Blob([await currentXml()], { type: 'application/xml' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = cfg.file.split('/').pop();
    link.click();
    URL.revokeObjectURL(link.href);
  }

  document.getElementById('validate').addEventListener('click', validate);
  document.getElementById('deploy').addEventListener('click', deploy);
  document.getElementById('toggle-xml').addEventListener('click', toggleXml);
  document.getElementById('xml-import').addEventListener('click', importFromEditor);
  document.getElementById('download').addEventListener('click', download);

  fetch(cfg.xmlUrl, { credentials: 'same-origin' })
    .then(function (r) { return r.text(); })
    .then(importXml)
    .catch(function (e) { status.textContent = '流程图加载失败：' + e.message; });
}());
