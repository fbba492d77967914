// French formatting for the groupements grid (served by Dash from this folder).
// A null count is one withheld by the small-count rule; a null share is withheld or undefined.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
var NNBSP = "\u202f";

dagfuncs.frCount = function (value) {
  if (value === null || value === undefined) {
    return "< 5";
  }
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, NNBSP);
};

dagfuncs.frPercent = function (value) {
  if (value === null || value === undefined) {
    return "n.c.";
  }
  return Math.round(value) + NNBSP + "%";
};
