/* Lets plotly.js draw maps offline.
 * Geo subplots fetch a world base map (topojson) from the internet before drawing, even with
 * the base map hidden. Published maps draw only their own GeoJSON shapes, so an empty base map
 * is registered here under every name plotly.js may ask for, and nothing is fetched. */
(function (assets) {
  var layers = ["coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits"];
  var empty = {type: "Topology", arcs: [], objects: {}};
  layers.forEach(function (name) {
    empty.objects[name] = {type: "GeometryCollection", geometries: []};
  });
  var scopes = ["world", "usa", "europe", "asia", "africa", "north-america", "south-america"];
  assets.topojson = assets.topojson || {};
  scopes.forEach(function (scope) {
    ["110m", "50m"].forEach(function (resolution) {
      var name = scope + "_" + resolution;
      if (assets.topojson[name] === undefined) {
        assets.topojson[name] = empty;
      }
    });
  });
})(window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}});
