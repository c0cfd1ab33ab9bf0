/* How many workers one engine may run (options and the engine agree). */
#ifndef WL_WORKERS_MAX_H
#define WL_WORKERS_MAX_H
#define WL_MAX_WORKERS 64
#endif
