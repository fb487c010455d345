#include "net/http_server.hpp"
