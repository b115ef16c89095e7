# Export Natural Earth's admin-1 states and provinces (1:50m) and admin-0 countries (1:110m), as
# packaged by Debian's r-cran-rnaturalearthdata (CC0; Natural Earth is public domain), to two
# plain JSON files of rings: the input of scripts/derive_boundaries.py.
#
#   apt-get install --no-install-recommends r-cran-rnaturalearthdata
#   Rscript scripts/export_natural_earth.R OUT_DIR
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args)) args[1] else "."
suppressMessages(library(sp))
e <- new.env()
data(list = c("states50", "countries110"), package = "rnaturalearthdata", envir = e)
out <- function(obj, namecol, codecol, keep, path) {
  d <- obj@data
  con <- file(path, "w")
  cat('{"type":"FeatureCollection","features":[', file = con)
  first <- TRUE
  for (i in seq_along(obj@polygons)) {
    if (!keep(d[i, ])) next
    P <- obj@polygons[[i]]@Polygons
    rings <- vapply(P, function(p) {
      xy <- p@coords
      paste0('{"hole":', tolower(as.character(p@hole)), ',"xy":[', paste0('[', sprintf('%.4f', xy[,1]), ',', sprintf('%.4f', xy[,2]), ']', collapse=','), ']}')
    }, "")
    nm <- gsub('"', '', as.character(d[i, namecol])); cd <- as.character(d[i, codecol])
    if (!first) cat(',', file = con)
    first <- FALSE
    cat('{"name":"', nm, '","code":"', cd, '","admin":"', as.character(d[i, if ("admin" %in% names(d)) "admin" else namecol]), '","rings":[', paste(rings, collapse=','), ']}', sep = '', file = con)
  }
  cat(']}', file = con); close(con)
}
s <- e$states50
out(s, "name", "iso_3166_2", function(r) as.character(r$admin) %in% c("United States of America", "Canada"), file.path(dir, "ne_states50.json"))
c <- e$countries110
out(c, "name", "adm0_a3", function(r) TRUE, file.path(dir, "ne_countries110.json"))
