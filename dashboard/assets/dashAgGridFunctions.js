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

// The départements filter: true when the cell's list ("21, 71") holds the code typed or
// clicked on the map as a whole ("71" matches 71, never 971). AG Grid passes the filter's
// values (one here) and the cell's value.
dagfuncs.departementIn = function (filterValues, cellValue) {
  if (cellValue === null || cellValue === undefined) {
    return false;
  }
  var code = String(filterValues[0] || "").trim().toUpperCase();
  return String(cellValue).split(",").some(function (c) {
    return c.trim().toUpperCase() === code;
  });
};
