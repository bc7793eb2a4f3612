// Only what the engine needs from OpenBLAS: the CBLAS interface and its thread control.
#include <cblas.h>
