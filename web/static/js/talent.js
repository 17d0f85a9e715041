/* 人才热力图与人才画像: the Guangxi map (ECharts, city boundaries from the china-geojson package) coloured by the
   chosen figure, and the portrait charts. The figures come from the page's JSON endpoint. */
(function () {
  'use strict';
  const root = document.getElementById('talent');
  const GREEN = '#2f6b3b';
  const SOIL = '#7a5230';
  const charts = {};
  let figures = null;

  function chart(id, option) {
    const element = document.getElementById(id);
    if (!element) { return null; }
    const instance = echarts.init(element);
    instance.setOption(option);
    charts[id] = instance;
    return instance;
  }

  function bars(counts, color) {
    const names = Object.keys(counts);
    return {
      grid: { left: 110, right: 40, top: 10, bottom: 20 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: names, inverse: true, axisLabel: { interval: 0 } },
      series: [{ type: 'bar', data: names.map(function (n) { return counts[n]; }), itemStyle: { color: color },
        label: { show: true, position: 'right' } }]
    };
  }

  function pie(counts) {
    return {
      tooltip: { trigger: 'item', formatter: '{b}：{c} 人（{d}%）' },
      legend: { bottom: 0 },
      series: [{ type: 'pie', radius: ['35%', '65%'], label: { formatter: '{b}\n{c} 人' },
        data: Object.keys(counts).map(function (n) { return { name: n, value: counts[n] }; }) }]
    };
  }

  function narrow() { return root.clientWidth < 600; }

  function metricOf(city, metric) {
    if (metric.indexOf('field:') === 0) { return city.fields[metric.slice(6)] || 0; }
    return city[metric];
  }

  function mapOption(metric) {
    const names = Object.keys(figures.cities);
    const data = names.map(function (n) { return { name: n, value: metricOf(figures.cities[n], metric) }; });
    const most = Math.max.apply(null, data.map(function (d) { return d.value; }).concat([1]));
    const select = document.getElementById('map-metric');
    const label = select.options[select.selectedIndex].text;
    return {
      tooltip: { trigger: 'item', formatter: function (p) { return p.name + '<br>' + label + '：' + (p.value || 0); } },
      visualMap: Object.assign({ min: 0, max: most, text: ['多', '少'], calculable: true,
        inRange: { color: ['#eef5ea', '#9cc59a', GREEN] } },
        narrow() ? { orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120 } : { left: 10, bottom: 10 }),
      series: [{ id: 'cities', name: label, type: 'map', map: '广西', roam: false, data: data,
        layoutCenter: ['50%', narrow() ? '45%' : '50%'], layoutSize: narrow() ? '92%' : '95%',
        label: { show: true, fontSize: 11, color: '#222', textBorderColor: '#fff', textBorderWidth: 2 },
        emphasis: { label: { show: true } },
        itemStyle: { borderColor: SOIL, borderWidth: 0.6 } }]
    };
  }

  function draw(geo, data) {
    figures = data;
    echarts.registerMap('广西', geo);
    const select = document.getElementById('map-metric');
    chart('chart-map', mapOption(select.value));
    select.addEventListener('change', function () { charts['chart-map'].setOption(mapOption(select.value)); });
    chart('chart-field', bars(data.portrait.by_field, GREEN));
    chart('chart-title', bars(data.portrait.by_title, SOIL));
    chart('chart-origin', pie(data.portrait.by_origin));
    chart('chart-age', bars(data.portrait.by_age, GREEN));
    root.dataset.ready = '1';
  }

  function json(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error(url + ': ' + r.status); } return r.json(); });
  }

  // One resize per frame, after the layout has settled (a resize in the middle of a map update throws in ECharts).
  let pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      Object.values(charts).forEach(function (c) { if (!c.isDisposed()) { c.resize(); } });
    });
  });
  Promise.all([json(root.dataset.geojson), json(root.dataset.url)])
    .then(function (both) { draw(both[0], both[1]); })
    .catch(function (e) { root.dataset.error = e.message; });
}());
