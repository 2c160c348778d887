// Loaded without defer, before the first paint, so a chosen theme never flashes the other one.
(function () {
  var theme = localStorage.getItem("theme");
  if (theme) document.documentElement.dataset.theme = theme;
})();
