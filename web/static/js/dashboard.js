/* The dashboard's ECharts: progress gauge, awards by track, ranked cities, by year, and the pipeline. */
(function () {
  'use strict';
  const root = document.getElementById('dashboard');
  const GREEN = '#2f6b3b';
  const SOIL = '#7a5230';
  const FIVE_YEAR_PLAN = ['2021', '2022', '2023', '2024', '2025'];
  const charts = [];

  function chart(id, option) {
    const instance = echarts.init(document.getElementById(id));
    instance.setOption(option);
    charts.push(instance);
  }

  function bars(names, values, color, horizontal) {
    const category = { type: 'category', data: names, axisLabel: { interval: 0 } };
    const value = { type: 'value', minInterval: 1 };
    return {
      grid: { left: horizontal ? 90 : 40, right: 30, top: 20, bottom: horizontal ? 20 : 50 },
      tooltip: { trigger: 'axis' },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: [{ type: 'bar', data: values, itemStyle: { color: color }, label: { show: true, position: horizontal ? 'right' : 'top' } }]
    };
  }

  function draw(data) {
    const percent = data.target ? Math.round(1000 * data.awarded / data.target) / 10 : 0;
    chart('chart-progress', {
      series: [{
        type: 'gauge', min: 0, max: data.target, progress: { show: true, width: 18, itemStyle: { color: GREEN } },
        axisLine: { lineStyle: { width: 18 } }, pointer: { show: false }, splitNumber: 5,
        detail: { valueAnimation: true, formatter: data.awarded + ' / ' + data.target + '\n' + percent + '%', fontSize: 22, offsetCenter: [0, '10%'] },
        title: { offsetCenter: [0, '55%'] }, data: [{ value: data.awarded, name: '已立项团队' }]
      }]
    });
    const tracks = Object.keys(data.by_track).sort();
    chart('chart-track', bars(tracks.map(function (t) { return t + ' ' + (data.labels.tracks[t] || ''); }),
      tracks.map(function (t) { return data.by_track[t]; }), GREEN, true));
    const cities = Object.entries(data.by_city).sort(function (a, b) { return b[1] - a[1]; });
    chart('chart-city', bars(cities.map(function (c) { return c[0]; }), cities.map(function (c) { return c[1]; }), SOIL, true));
    const years = Array.from(new Set(FIVE_YEAR_PLAN.concat(Object.keys(data.by_year)))).sort();
    chart('chart-year', bars(years, years.map(function (y) { return data.by_year[y] || 0; }), GREEN, false));
    const stages = data.stage_order;  // JSON objects lose the lifecycle order
    chart('chart-pipeline', bars(stages.map(function (s) { return data.labels.stages[s] || s; }),
      stages.map(function (s) { return data.pipeline[s]; }), SOIL, true));
    root.dataset.ready = '1';
  }

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  fetch(root.dataset.url + window.location.search, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then(function (r) { return r.json(); })
    .then(draw)
    .catch(function (e) { root.dataset.error = e.message; });
}());
