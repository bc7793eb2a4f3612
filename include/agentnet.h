/* AgentNet C ABI. Every function returns a status (AGN_OK = 0); results come back through out-pointers.
 * agn_last_error() returns the calling thread's message for its last failed call.
 * Objects cross as int64 handles; agn_release() frees one. A stale or released handle is an error, never a crash.
 * Buffers cross as pointer + dtype + shape; the engine never keeps a caller's pointer past the call. */
#ifndef AGENTNET_H
#define AGENTNET_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

enum {
    AGN_OK = 0,
    AGN_E_INVALID_ARGUMENT = 1,
    AGN_E_INVALID_HANDLE = 2,
    AGN_E_SHAPE = 3,
    AGN_E_DTYPE = 4,
    AGN_E_RUNTIME = 5,
    AGN_E_IO = 6,
    AGN_E_OUTPUT_SHAPE = 7,
    AGN_E_MEMORY = 8,
    AGN_E_INDEX = 9,
    AGN_E_INTERNAL = 99
};

enum { AGN_FLOAT32 = 0, AGN_INT32 = 1, AGN_BOOL = 2 };

typedef int64_t agn_handle;

/* Core */
int32_t agn_abi_version(void);
const char *agn_last_error(void);
int32_t agn_release(agn_handle handle);
int32_t agn_live_handles(int64_t *count);
/* Engine allocations are counted against one limit (default 3/4 of physical memory, or of the cgroup limit;
 * env AGENTNET_MEMORY_LIMIT in bytes); over it, calls fail with AGN_E_MEMORY. bytes = 0 restores the default. */
int32_t agn_set_memory_limit(int64_t bytes);
int32_t agn_memory_info(int64_t *limit, int64_t *in_use);

/* Symbolic graph. Static shapes use -1 for unknown dimensions; `dims` out-arrays hold 8 entries (rank <= 8). */
int32_t agn_input_create(const char *name, int32_t dtype, int32_t ndim, const int64_t *dims, agn_handle *out);
int32_t agn_constant_create(const void *data, int32_t dtype, int32_t ndim, const int64_t *dims, agn_handle *out);
/* Generic node creation: kind ("add", "sum", "dot", "getitem", "conv2d", ...) and JSON attributes ({"axis": 1}). */
int32_t agn_node_create(const char *kind, const char *attributes_json, const agn_handle *inputs, int64_t n_inputs,
                        agn_handle *out);
int32_t agn_random_node_create(agn_handle state, const char *kind, const char *attributes_json,
                               const agn_handle *inputs, int64_t n_inputs, agn_handle *out);
int32_t agn_random_state_create(uint64_t seed, agn_handle *out);
int32_t agn_random_state_seed(agn_handle state, uint64_t seed);
int32_t agn_node_info(agn_handle node, int32_t *dtype, int32_t *ndim, int64_t *dims);
/* The string stays valid until the calling thread's next string-returning call. */
int32_t agn_node_repr(agn_handle node, const char **text);
int32_t agn_node_set_name(agn_handle node, const char *name);

/* Shared values (parameters, optimizer state). */
int32_t agn_shared_create(const void *data, int32_t dtype, int32_t ndim, const int64_t *dims, const char *name,
                          agn_handle *out);
int32_t agn_shared_node(agn_handle shared, agn_handle *node_out);
int32_t agn_shared_info(agn_handle shared, int32_t *dtype, int32_t *ndim, int64_t *dims);
int32_t agn_shared_get(agn_handle shared, void *data, int64_t nbytes);
int32_t agn_shared_set(agn_handle shared, const void *data, int32_t dtype, int32_t ndim, const int64_t *dims);

/* Gradients and compiled functions. */
int32_t agn_grad(agn_handle cost, const agn_handle *wrt, int64_t n_wrt, const agn_handle *consider_constant,
                 int64_t n_consider, int32_t ignore_disconnected, agn_handle *grads_out);
int32_t agn_function_create(const agn_handle *inputs, int64_t n_inputs, const agn_handle *outputs, int64_t n_outputs,
                            const agn_handle *update_shared, const agn_handle *update_values, int64_t n_updates,
                            int32_t check_finite, agn_handle *out);
/* desc = [n_in, n_out, then per buffer: data pointer, dtype, ndim, dims...]; inputs first, then outputs. */
int32_t agn_function_call(agn_handle function, const int64_t *desc, int64_t desc_len);
/* desc as above with n_out = 0; writes each output's dtype, ndim and 8 dims. */
int32_t agn_function_output_info(agn_handle function, const int64_t *desc, int64_t desc_len, int32_t *dtypes,
                                 int32_t *ndims, int64_t *dims);
int32_t agn_set_num_threads(int32_t n);

/* Layers (Lasagne's contract): creation by kind ("DenseLayer", ...) and JSON attributes; parameters given as
 * {"shared": handle} or an initializer {"kind": "GlorotUniform", "gain": 1}. input_shapes holds every incoming
 * shape back to back (-1 for unknown), input_ranks their ranks. */
int32_t agn_layer_create(const char *kind, const char *attributes_json, const int64_t *input_shapes,
                         const int32_t *input_ranks, int64_t n_inputs, agn_handle *out);
int32_t agn_layer_output(agn_handle layer, const agn_handle *inputs, int64_t n_inputs, const char *options_json,
                         agn_handle *out);
int32_t agn_layer_info(agn_handle layer, int32_t *ndim, int64_t *dims, int64_t *n_params);
/* A new handle to parameter `index` and its name and tags as JSON. */
int32_t agn_layer_param(agn_handle layer, int64_t index, agn_handle *shared, const char **info_json);
int32_t agn_layer_repr(agn_handle layer, const char **text);

/* Environments */
/* Native batched environments (Gymnasium-exact classic control plus BooleanReasoning). One handle holds num_envs
 * sub-envs; every call covers the whole batch. Flags are uint8 0/1; observations float32 [num_envs, obs_size]. */
/* id: "CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1", "BooleanReasoning-v0".
 * autoreset_mode: 0 next step, 1 same step, 2 disabled. max_episode_steps <= 0: no time limit. */
int32_t agn_env_create(const char *id, int64_t num_envs, int32_t autoreset_mode, int64_t max_episode_steps,
                       agn_handle *out);
/* out int64[9]: num_envs, obs_size, state_size, action_kind (0 discrete, 1 box), action count or width,
 * render height, render width, autoreset_mode, max_episode_steps (0 = none). */
int32_t agn_env_describe(agn_handle env, int64_t *out, int64_t n);
/* Sub-env first + k gets NumPy SeedSequence(seed + k), k < count; seed as little-endian uint32 words. */
int32_t agn_env_seed(agn_handle env, int64_t first, int64_t count, const uint32_t *seed_words, int64_t n_words);
/* Resets sub-envs whose mask byte is nonzero (mask NULL: all) and writes their obs rows. has_options selects
 * (option_a, option_b) = (low, high), or (x_init, y_init) for Pendulum, over the defaults. */
int32_t agn_env_reset(agn_handle env, const uint8_t *mask, int64_t n_mask, int32_t has_options, double option_a,
                      double option_b, float *obs, int64_t n_obs);
/* Steps all sub-envs. rewards/terminated/truncated hold n_envs entries. final_obs (same-step autoreset only,
 * else NULL) receives the terminal obs rows of sub-envs that ended. */
int32_t agn_env_step_discrete(agn_handle env, const int64_t *actions, int64_t n_actions, float *obs, int64_t n_obs,
                              double *rewards, uint8_t *terminated, uint8_t *truncated, int64_t n_envs,
                              float *final_obs, int64_t n_final_obs);
int32_t agn_env_step_box(agn_handle env, const float *actions, int64_t n_actions, float *obs, int64_t n_obs,
                         double *rewards, uint8_t *terminated, uint8_t *truncated, int64_t n_envs,
                         float *final_obs, int64_t n_final_obs);
/* Internal float64 state [num_envs, state_size]. */
int32_t agn_env_state(agn_handle env, double *out, int64_t n);
/* PCG64 stream of one sub-env as uint64[4] {state_hi, state_lo, inc_hi, inc_lo}; *seeded = 0 if it has none yet. */
int32_t agn_env_get_rng(agn_handle env, int64_t index, uint64_t *state, int32_t *seeded);
int32_t agn_env_set_rng(agn_handle env, int64_t index, const uint64_t *state);
/* RGB frames of sub-envs first..first+count-1, uint8 [count, height, width, 3]. */
int32_t agn_env_render(agn_handle env, int64_t first, int64_t count, uint8_t *out, int64_t n);

#ifdef __cplusplus
}
#endif
#endif
