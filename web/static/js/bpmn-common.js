/* Shared by the modeler, the instance viewer and the dashboard: CSRF-protected JSON posts and the
   SpiffWorkflow extension properties (formKey, dueIn, assignee, scope) of a BPMN element. */
(function () {
  'use strict';

  const SPIFF_NS = 'http://spiffworkflow.org/bpmn/schema/1.0/core';

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  }

  /* POST a JSON body; resolves to {status, body} whatever the status. */
  async function postJson(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': csrfToken() },
      body: JSON.stringify(body)
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = { error: '服务器返回了无法识别的内容（' + response.status + '）' }; }
    return { status: response.status, body: data };
  }

  /* The spiffworkflow:properties element of a business object (created when `moddle` is given). */
  function propertiesOf(bo, moddle) {
    let ext = bo.extensionElements;
    if (!ext) {
      if (!moddle) { return null; }
      ext = moddle.create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
      bo.extensionElements = ext;
    }
    const values = ext.get('values');
    let props = values.find(function (v) { return v.$type === 'spiffworkflow:properties'; });
    if (!props && moddle) {
      props = moddle.createAny('spiffworkflow:properties', SPIFF_NS, {});
      props.$children = [];
      props.$parent = ext;
      values.push(props);
    }
    return props || null;
  }

  function getProperty(bo, name) {
    const props = propertiesOf(bo);
    const found = props && (props.$children || []).find(function (c) { return c.name === name; });
    return found ? (found.value || '') : '';
  }

  /* Set (or, with an empty value, remove) one spiffworkflow:property. */
  function setProperty(bo, moddle, name, value) {
    const props = propertiesOf(bo, value ? moddle : null);
    if (!props) { return; }
    props.$children = props.$children || [];
    const index = props.$children.findIndex(function (c) { return c.name === name; });
    if (!value) {
      if (index >= 0) { props.$children.splice(index, 1); }
      return;
    }
    if (index >= 0) {
      props.$children[index].value = value;
    } else {
      const prop = moddle.createAny('spiffworkflow:property', SPIFF_NS, { name: name, value: value });
      prop.$parent = props;
      props.$children.push(prop);
    }
  }

  /* Append an element with text to `parent`; returns it. */
  function el(parent, tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  const TYPE_LABELS = {
    'bpmn:UserTask': '用户任务', 'bpmn:ScriptTask': '脚本任务', 'bpmn:BusinessRuleTask': '业务规则任务',
    'bpmn:ServiceTask': '服务任务', 'bpmn:Task': '任务', 'bpmn:ManualTask': '人工任务', 'bpmn:ReceiveTask': '接收任务',
    'bpmn:CallActivity': '调用活动', 'bpmn:SubProcess': '子流程', 'bpmn:StartEvent': '开始事件',
    'bpmn:EndEvent': '结束事件', 'bpmn:BoundaryEvent': '边界事件', 'bpmn:IntermediateCatchEvent': '中间捕获事件',
    'bpmn:IntermediateThrowEvent': '中间抛出事件', 'bpmn:ExclusiveGateway': '排他网关',
    'bpmn:ParallelGateway': '并行网关', 'bpmn:InclusiveGateway': '包容网关', 'bpmn:EventBasedGateway': '事件网关',
    'bpmn:SequenceFlow': '顺序流', 'bpmn:Lane': '泳道', 'bpmn:Participant': '池', 'bpmn:Process': '流程'
  };

  /* Wire the zoom buttons of a diagram's container to its canvas. */
  function zoomButtons(diagram) {
    const canvas = diagram.get('canvas');
    document.querySelectorAll('[data-zoom]').forEach(function (button) {
      button.addEventListener('click', function () {
        const kind = button.dataset.zoom;
        if (kind === 'fit') { canvas.zoom('fit-viewport', 'auto'); return; }
        canvas.zoom(canvas.zoom() * (kind === 'in' ? 1.25 : 0.8));
      });
    });
  }

  /* Zoom that keeps a 12 px label at least ~9 px on screen: a wide diagram is panned, never shrunk unreadable. */
  const READABLE_ZOOM = 0.75;

  /* Fit the diagram to the container's width at a readable zoom, size the container's height to the drawing
     (between minHeight and maxHeight; with keepHeight the container keeps its own), keep `leftInset` screen
     pixels free on the left (the modeler's palette) and bring `focusId` (the current step) into view. */
  function fitDiagram(diagram, minHeight, maxHeight, options) {
    const opts = options || {};
    const canvas = diagram.get('canvas');
    const container = canvas.getContainer().closest('.bpmn-canvas') || canvas.getContainer();
    canvas.zoom('fit-viewport', 'auto');
    const inner = canvas.viewbox().inner;
    if (!(inner.width > 0)) { return; }
    const inset = opts.leftInset || 0;
    const pad = 20;
    const usable = Math.max(100, container.clientWidth - inset - 2 * pad);
    const scale = Math.max(READABLE_ZOOM, Math.min(1, usable / inner.width));
    if (!opts.keepHeight) {
      const wanted = inner.height * scale + 2 * pad + 40;
      container.style.height = Math.round(Math.max(minHeight, Math.min(maxHeight, wanted))) + 'px';
    }
    canvas.resized();
    const width = container.clientWidth / scale;
    const height = container.clientHeight / scale;
    let x = inner.x - (inset + pad) / scale;
    const focus = opts.focusId ? diagram.get('elementRegistry').get(opts.focusId) : null;
    if (focus && inner.width * scale > usable) {
      const centred = focus.x + focus.width / 2 - width / 2;
      x = Math.max(x, Math.min(centred, inner.x + inner.width + pad / scale - width));
    }
    const y = inner.height * scale < container.clientHeight ? inner.y - (height - inner.height) / 2 : inner.y - pad / scale;
    canvas.viewbox({ x: x, y: y, width: width, height: height });
    container.dataset.zoom = String(Math.round(canvas.zoom() * 100) / 100);
  }

  /* The role labels of the page (admin/_role_labels.html): lanes are named by role code in the diagrams. */
  function roleLabels() {
    const node = document.getElementById('role-labels');
    try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
  }

  /* Show each lane named by a role code under the role's Chinese name; the diagram itself keeps the code. */
  function chineseLanes(diagram) {
    const labels = roleLabels();
    const registry = diagram.get('elementRegistry');
    function relabel(element) {
      const bo = element.businessObject;
      if (!bo || bo.$type !== 'bpmn:Lane' || !labels[bo.name]) { return; }
      const text = registry.getGraphics(element).querySelector('.djs-visual text');
      const spans = text ? text.querySelectorAll('tspan') : [];
      if (!spans.length) { return; }
      const first = spans[0];
      const before = text.getComputedTextLength ? text.getComputedTextLength() : 0;
      for (let i = 1; i < spans.length; i += 1) { spans[i].remove(); }
      first.textContent = labels[bo.name];
      const after = text.getComputedTextLength ? text.getComputedTextLength() : 0;
      const x = parseFloat(first.getAttribute('x') || '0');
      if (before && after) { first.setAttribute('x', String(x + (before - after) / 2)); }
      text.setAttribute('data-role', bo.name);
    }
    registry.forEach(relabel);
    if (diagram.rootballLanes) { return; }
    diagram.rootballLanes = true;
    // A lane drawn again (moved, resized, renamed in the modeler) gets its label back after bpmn-js renders it.
    diagram.get('eventBus').on('shape.changed', 250, function (event) { relabel(event.element); });
  }

  window.Rootball = {
    SPIFF_NS: SPIFF_NS, csrfToken: csrfToken, postJson: postJson, getProperty: getProperty,
    setProperty: setProperty, el: el, zoomButtons: zoomButtons, fitDiagram: fitDiagram, TYPE_LABELS: TYPE_LABELS,
    chineseLanes: chineseLanes, roleLabels: roleLabels, READABLE_ZOOM: READABLE_ZOOM
  };
}());
