/* The instance viewer: bpmn-js NavigatedViewer of the instance's own version, with completed (green),
   active (amber) and not yet reached (grey) elements marked. */
(function () {
  'use strict';
  const root = document.getElementById('instance-viewer');
  const state = JSON.parse(document.getElementById('instance-data').textContent);
  const viewer = new BpmnJS({ container: '#canvas' });
  window.rootballViewer = viewer;  // lets the browser tests reach the diagram
  window.Rootball.zoomButtons(viewer);

  function mark() {
    const canvas = viewer.get('canvas');
    const active = new Set(state.active);
    const completed = new Set(state.completed);
    const counts = { active: 0, completed: 0, pending: 0 };
    viewer.get('elementRegistry').forEach(function (element) {
      const bo = element.businessObject;
      if (element.type === 'label' || !bo || !bo.$instanceOf('bpmn:FlowNode')) { return; }
      const kind = active.has(element.id) ? 'active' : completed.has(element.id) ? 'completed' : 'pending';
      // An expanded subprocess gets a coloured border only, so the elements inside stay readable.
      const scope = bo.$instanceOf('bpmn:SubProcess') && !element.collapsed && kind !== 'pending' ? '-scope' : '';
      canvas.addMarker(element.id, 'rb-' + kind + scope);
      counts[kind] += 1;
    });
    root.dataset.active = counts.active;
    root.dataset.completed = counts.completed;
    root.dataset.ready = '1';
  }

  fetch(root.dataset.xmlUrl, { credentials: 'same-origin' })
    .then(function (r) { return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      window.Rootball.chineseLanes(viewer);
      window.Rootball.fitDiagram(viewer, 320, 720, { focusId: state.active[0] });
      mark();
    })
    .catch(function (e) { root.dataset.error = e.message; });
}());
