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

  /* Fit the diagram to the container's width, then shrink the container's height to the diagram's. */
  function fitDiagram(diagram, minHeight, maxHeight) {
    const canvas = diagram.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    const inner = canvas.viewbox().inner;
    const container = canvas.getContainer().closest('.bpmn-canvas');
    if (container && inner.width > 0) {
      const wanted = container.clientWidth * inner.height / inner.width + 60;
      container.style.height = Math.round(Math.max(minHeight, Math.min(maxHeight, wanted))) + 'px';
      canvas.resized();
      canvas.zoom('fit-viewport', 'auto');
    }
  }

  window.Rootball = {
    SPIFF_NS: SPIFF_NS, csrfToken: csrfToken, postJson: postJson, getProperty: getProperty,
    setProperty: setProperty, el: el, zoomButtons: zoomButtons, fitDiagram: fitDiagram, TYPE_LABELS: TYPE_LABELS
  };
}());
