vcl 4.1;

import std;

backend default { .host = "127.0.0.1"; .port = "8000"; }

sub vcl_recv {
    # One value per header before the cache key and Vary are computed: a client
    # (or a proxy before us) may send a header on several lines, and servers and
    # caches combine repeated lines differently.
    std.collect(req.http.Origin);
    std.collect(req.http.Access-Control-Request-Method);
    std.collect(req.http.Access-Control-Request-Headers);
}
