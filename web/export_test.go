package web

// Compress is the compression middleware, for tests of what no route shows
// alone (a stream flushed part by part, a stream cut short).
var Compress = compress
