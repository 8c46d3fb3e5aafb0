// The system zlib (Debian: zlib1g-dev), for gzip-compressed scrape responses.
#include <zlib.h>
