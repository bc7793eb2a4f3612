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
/* Runs the function `times` times (1..2^31-1) in one call, each run applying its updates before the next, and writes
 * the outputs of the last run; desc as above. Output buffers are checked before the first run. If run k fails, the
 * updates of the runs before it stay applied. */
int32_t agn_function_call_repeat(agn_handle function, int64_t times, const int64_t *desc, int64_t desc_len);
/* desc as above with n_out = 0; writes each output's dtype, ndim and 8 dims. */
int32_t agn_function_output_info(agn_handle function, const int64_t *desc, int64_t desc_len, int32_t *dtypes,
                                 int32_t *ndims, int64_t *dims);
int32_t agn_set_num_threads(int32_t n);

/* Engine configuration as one JSON object (BLAS library, version, core and how it was chosen, thread count, SIMD
 * path, flush-to-zero setting, the calling thread's MXCSR, CPU); valid until this thread's next string result. */
int32_t agn_config_json(const char **json);
/* Compiled calls flush denormals (FTZ/DAZ) when enabled = 1 (the default), run in the caller's mode when 0. */
int32_t agn_set_flush_denormal(int32_t enabled);
/* Learning objectives (agentnet.learning): kind "qlearning", "sarsa", "a2c", "reinforce" or "dpg_critic"; the
 * attribute "inputs" names each input ("qvalues", "actions", "rewards", "is_alive", ...), the other attributes are
 * the seed's parameters ({"n_steps": 3, "crop_last": true, "loss_function": "squared_error"}). Writes one or two
 * node handles to outs (n_outs >= 2; the second is 0 when there is one result). The n-step value reference is the
 * node kind "value_reference" of agn_node_create, with the same input naming. */
int32_t agn_learning_objective(const char *kind, const char *attributes_json, const agn_handle *inputs, int64_t n_inputs,
                               agn_handle *outs, int64_t n_outs);

/* Layers (Lasagne's contract): creation by kind ("DenseLayer", ...) and JSON attributes; parameters given as
 * {"shared": handle} or an initializer {"kind": "GlorotUniform", "gain": 1}. input_shapes holds every incoming
 * shape back to back (-1 for unknown), input_ranks their ranks. */
int32_t agn_layer_create(const char *kind, const char *attributes_json, const int64_t *input_shapes,
                         const int32_t *input_ranks, int64_t n_inputs, agn_handle *out);
int32_t agn_layer_output(agn_handle layer, const agn_handle *inputs, int64_t n_inputs, const char *options_json,
                         agn_handle *out);
/* Every output of a layer (several for a multi-output layer): the count to *n_outs, handles to outs if they fit. */
int32_t agn_layer_outputs(agn_handle layer, const agn_handle *inputs, int64_t n_inputs, const char *options_json,
                          agn_handle *outs, int64_t out_cap, int64_t *n_outs);
int32_t agn_layer_info(agn_handle layer, int32_t *ndim, int64_t *dims, int64_t *n_params);
/* A new handle to parameter `index` and its name and tags as JSON. */
int32_t agn_layer_param(agn_handle layer, int64_t index, agn_handle *shared, const char **info_json);
int32_t agn_layer_repr(agn_handle layer, const char **text);
/* {"output_count": n, "output_shapes": [[null, 3], ...], "output_dtypes": ["float32", ...]} (every output of a
 * multi-output layer), plus a Recurrence's "n_steps", "param_sources" ([[host key, index], ...]: the one-tick
 * layer each parameter comes from) and "unused_inputs" (host keys). */
int32_t agn_layer_describe(agn_handle layer, const char **json);
/* Kinds beside LayerRegistry's: "InputLayer" with {"input_var": node handle, "shape": [...]}, "CallbackLayer"
 * {"host_key": k, "output_shape": [...], "output_count": n} (a host-language layer), "DictLayer", "ElementLayer"
 * {"source": layer handle, "index": i}. Any kind accepts "host_key", naming the host object it stands for. */
/* Incoming layers, one per input shape; handle 0 marks a free-floating input. */
int32_t agn_layer_set_incoming(agn_handle layer, const agn_handle *incoming, int64_t n);
/* A parameter: a shared value's handle (is_shared = 1) or an expression's; tags_json is a list of strings. */
int32_t agn_layer_add_param(agn_handle layer, agn_handle param, int32_t is_shared, const char *name, const char *tags_json);
int32_t agn_layer_remove_param(agn_handle layer, int64_t index);
int32_t agn_layer_set_param_tags(agn_handle layer, int64_t index, const char *tags_json);
/* {"nonlinearity": "tanh"} or {"host_key": k, "label": "..."} for a DenseLayer or NonlinearityLayer. */
int32_t agn_layer_set_nonlinearity(agn_handle layer, const char *spec_json);
int32_t agn_layer_remove_bias(agn_handle layer);
/* "Recurrence" (agentnet.agent.Recurrence, unrolled when its output is built) takes layers as handles:
 * {"state_variables": [[new, prev], ...], "input_sequences": [[one_tick, outer], ...], "input_nonsequences": [...],
 * "tracked_outputs": [...], "state_init": "zeros" | [[state, init or null], ...] | {"list": [...]}, "mask_input",
 * "delayed_states", "n_steps", "batch_size" (or "batch_size_var": node), "unroll_scan", "verify_graph"}.
 * agn_recurrence_step applies its one-tick graph once (get_one_step): new states, then tracked outputs, to outs;
 * prev_layers/input_layers name the state or input each expression is for, or are NULL for positional order. */
int32_t agn_recurrence_step(agn_handle rec, const agn_handle *prev_layers, const agn_handle *prev_nodes, int64_t n_prev,
                            const agn_handle *input_layers, const agn_handle *input_nodes, int64_t n_inputs,
                            const char *options_json, agn_handle *outs, int64_t out_cap, int64_t *n_out);
/* Whole networks. get_output: input_nodes[i] stands for input_layers[i]; options_json carries get_output's
 * keyword arguments ({"deterministic": true, ...}). Writes all outputs (several for a multi-output layer) to outs,
 * each layer's count to counts, and per output its origin: index of the identical given input, -1 for a new
 * expression, or -2 - k for the input variable of the input layer with host key k. */
int32_t agn_layer_get_output(const agn_handle *layers, int64_t n, const agn_handle *input_layers,
                             const agn_handle *input_nodes, int64_t n_inputs, const char *options_json, agn_handle *outs,
                             int64_t out_cap, int64_t *counts, int64_t *origins);
/* Output shapes for shapes given to some layers (back to back, -1 unknown); out_dims has 8 slots per layer. */
int32_t agn_layer_get_output_shape(const agn_handle *layers, int64_t n, const agn_handle *input_layers,
                                   const int64_t *input_shapes, const int32_t *input_ranks, int64_t n_inputs,
                                   int32_t *out_ndims, int64_t *out_dims);
/* Host keys of all layers in topological order; n_out gets the count, keys are written when it fits out_cap. */
int32_t agn_layer_get_all_layers(const agn_handle *layers, int64_t n, const agn_handle *treat_as_input, int64_t n_treat,
                                 int64_t *keys, int64_t out_cap, int64_t *n_out);
/* Parameters filtered by tags_json ({"trainable": true, "regularizable": false}) as (owner host key, index). */
int32_t agn_layer_get_all_params(const agn_handle *layers, int64_t n, const char *tags_json, int64_t *owner_keys,
                                 int64_t *indices, int64_t out_cap, int64_t *n_out);
int32_t agn_layer_count_params(const agn_handle *layers, int64_t n, const char *tags_json, int64_t *count);
/* Sets the filtered parameters from buffers (data[i], dtypes[i], ndims[i], dims back to back); all checked first. */
int32_t agn_layer_set_all_param_values(const agn_handle *layers, int64_t n, const char *tags_json, const void *const *data,
                                       const int32_t *dtypes, const int32_t *ndims, const int64_t *dims, int64_t n_values);

/* Initializers: one engine generator for all of them. spec_json like {"kind": "GlorotUniform", "gain": 1,
 * "c01b": false}; data holds n float32 values, n = the shape's size. */
int32_t agn_init_seed(uint64_t seed);
int32_t agn_init_sample(const char *spec_json, int32_t ndim, const int64_t *dims, float *data, int64_t n);

/* Build-time callbacks into the host (ARCHITECTURE §3). request: 1 layer outputs, 2 output shape
 * ({"input_shapes": [...]} -> reply [shape]), 3 apply a callable, 4 release the host object. The host owns the
 * input handles it gets, keeps its result expressions alive until its next callback on the thread, and writes a
 * JSON reply or error message to reply_json. Called only while a graph is built, never from a compiled function. */
typedef int32_t (*agn_host_fn)(int32_t request, int64_t key, const char *options_json, const agn_handle *in, int64_t n_in,
                               agn_handle *out, int64_t out_cap, int64_t *n_out, const char **reply_json);
int32_t agn_host_install(agn_host_fn fn);

/* Persistence: safetensors files keyed by parameter name. names_json is a JSON array of n names (string, or null
 * for an unnamed parameter) for the n shared values, in get_all_params order; the engine makes them unique: each
 * takes the first of name, name_1, name_2, ... not taken before it, an unnamed one is param<index>.
 * Saving is atomic (temporary file, fsync, rename). metadata_json: a JSON object of strings, or NULL.
 * Loading is by name: strict != 0 fails (changing nothing) unless every name matches with the same shape;
 * strict == 0 sets the tensors that fit. report_json: {"loaded": [...], "missing": [...], "unexpected": [...],
 * "mismatched": [{"name", "expected_shape", "expected_dtype", "found_shape", "found_dtype"}]}. */
int32_t agn_state_names(const char *names_json, int64_t n, const char **unique_names_json);
int32_t agn_safetensors_save(const char *path, const char *names_json, const agn_handle *shared, int64_t n,
                             const char *metadata_json);
int32_t agn_safetensors_load(const char *path, const char *names_json, const agn_handle *shared, int64_t n,
                             int32_t strict, const char **report_json);
/* Sets shared values from n_values caller buffers: buffer i is named keys_json[i] (a JSON array of strings) and
 * holds data[i] of dtypes[i] and rank ndims[i]; dims holds every buffer's dims back to back. */
int32_t agn_state_set(const char *names_json, const agn_handle *shared, int64_t n, const char *keys_json,
                      const void *const *data, const int32_t *dtypes, const int32_t *ndims, const int64_t *dims,
                      int64_t n_values, int32_t strict, const char **report_json);
/* A validated safetensors file. info_json: {"metadata": {...}, "tensors": [{"name", "dtype" ("F32", "BF16", ...),
 * "shape", "nbytes"}, ...]} in buffer order; read copies tensor `index` of that list as raw little-endian bytes
 * (nbytes must be its exact size). */
int32_t agn_safetensors_open(const char *path, agn_handle *out);
int32_t agn_safetensors_info(agn_handle file, const char **info_json);
int32_t agn_safetensors_read(agn_handle file, int64_t index, void *data, int64_t nbytes);
/* Update rules (agentnet.updates): kind "sgd", "momentum", "nesterov_momentum", "adagrad", "rmsprop", "adadelta",
 * "adam" or "adamax"; attributes_json holds every hyperparameter ({"learning_rate": 0.01, "momentum": {"node": h}}:
 * a number or a symbolic scalar). From a scalar `loss` (n_grads = 0) or one gradient per parameter (loss = 0).
 * Writes the ordered updates as (key_index, shared, value): key_index is the position of the target in `params`
 * (shared = 0) or -1 for new optimizer state (shared = a new handle); value is a new expression handle. Fails
 * unless capacity >= the number of updates (at most 3 * n_params + 1). */
int32_t agn_updates_create(const char *kind, const char *attributes_json, const agn_handle *params, int64_t n_params,
                           agn_handle loss, const agn_handle *grads, int64_t n_grads, int64_t capacity,
                           int64_t *key_index, agn_handle *shared_out, agn_handle *values_out, int64_t *count);
/* "apply_momentum" or "apply_nesterov_momentum" on the update list (update_shared[i] -> update_values[i]), for the
 * entries at param_index (n_params = -1: all). Output as above, key_index into the given list (at most
 * n_updates + n_params entries). */
int32_t agn_updates_apply(const char *kind, const char *attributes_json, const agn_handle *update_shared,
                          const agn_handle *update_values, int64_t n_updates, const int64_t *param_index,
                          int64_t n_params, int64_t capacity, int64_t *key_index, agn_handle *shared_out,
                          agn_handle *values_out, int64_t *count);
/* Joint norm constraint over n expressions ({"max_norm": 1, "epsilon": 1e-7}): n rescaled expressions and the norm.
 * Objectives ("squared_error", "binary_crossentropy", "categorical_crossentropy", "huber_loss", "aggregate") and
 * "norm_constraint" are kinds of agn_node_create. */
int32_t agn_total_norm_constraint(const agn_handle *tensors, int64_t n, const char *attributes_json,
                                  agn_handle *scaled_out, agn_handle *norm_out);
/* Updates recorded by a layer's latest output ((shared, new value) pairs): their count, the record's version (it
 * grows with every output that records updates), and pair `index` when 0 <= index < count (index -1: count only). */
int32_t agn_layer_update(agn_handle layer, int64_t index, int64_t *count, int64_t *version, agn_handle *shared,
                         agn_handle *expr);

/* Copying networks (agentnet.utils.clone, agentnet.target_network); reapply is the layer kind "ReapplyLayer"
 * {"layers": [h, ...], "replacements": [[old, new], ...]}. clone_network copies layers and the layers below them:
 * bottom holds layers kept as they are and shared values kept shared; subst_old[i] -> subst_new[i] replaces a
 * layer by a layer or a shared value by a shared value; name_prefix may be NULL. *out: a clone record. */
int32_t agn_clone_network(const agn_handle *layers, int64_t n, const agn_handle *bottom, int64_t n_bottom,
                          const agn_handle *subst_old, const agn_handle *subst_new, int64_t n_subst, int32_t share_params,
                          int32_t share_inputs, const char *name_prefix, agn_handle *out);
/* The layers the cloning made, topologically: *n_out gets the count; when it fits cap, the original's host key and
 * a new handle to the copy of each. */
int32_t agn_clone_layers(agn_handle record, int64_t *orig_keys, agn_handle *new_layers, int64_t cap, int64_t *n_out);
/* Host keys of the copies of the output layers (when they fit cap). */
int32_t agn_clone_outputs(agn_handle record, int64_t *keys, int64_t cap, int64_t *n_out);
/* The host object a layer stands for (0: none). */
int32_t agn_layer_set_host_key(agn_handle layer, int64_t key);
/* A target network over clone (a copy of original); parameters paired by position; an error if none differ. */
int32_t agn_target_network_create(const agn_handle *original, int64_t n, const agn_handle *clone, int64_t n_clone,
                                  agn_handle *out);
/* clone <- original (alpha 1) or clone <- (1 - alpha) * clone + alpha * original for every pair, in one call. */
int32_t agn_target_network_load_weights(agn_handle target, double alpha);
/* Parameter pairs as (owner host key, index) of the clone's and of the original's parameter, when they fit cap. */
int32_t agn_target_network_pairs(agn_handle target, int64_t *clone_owners, int64_t *clone_indices, int64_t *orig_owners,
                                 int64_t *orig_indices, int64_t cap, int64_t *n_out);
/* The load as symbolic updates: one new-value expression per pair; alpha 0 (no node) is a hard copy, else a scalar
 * expression. */
int32_t agn_target_network_updates(agn_handle target, agn_handle alpha, agn_handle *exprs, int64_t cap, int64_t *n_out);

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

/* Environments in compiled functions (next-step autoreset only). kind "observations": no inputs; out[0] = the env's
 * current observations, float32 [num_envs, obs_size], read when the function runs. kind "step": inputs {actions,
 * after}, actions int32 [num_envs] (Discrete) or float32 [num_envs, width] (Box), after = the observations node or an
 * earlier step (any of its outputs); out = {step, observations after the step float32 [num_envs, obs_size], rewards
 * float32 [num_envs], is_alive bool [num_envs], is_truncated bool [num_envs]} (EnvPool convention: on the tick after
 * an episode ended the action is ignored, the sub-env resets, reward 0 and is_alive 0). n_out must be 1 or 5.
 * attributes_json: "{}" or NULL. Every call of a function steps the env; its env nodes must form one chain. */
int32_t agn_env_node_create(agn_handle env, const char *kind, const char *attributes_json, const agn_handle *inputs,
                            int64_t n_inputs, agn_handle *out, int64_t n_out);

/* Agents and graph environments (agentnet.agent.MDPAgent, agentnet.environment). Creation by JSON attributes whose
 * layers, environments and expressions are handles; methods by name with input expressions. A call writes its
 * result handles to outs (they must fit out_cap; *n_out gets their number) and a JSON reply (null if none) to
 * reply_json, valid until the thread's next string result.
 * Agent: {"observation_layers": [layer...], "agent_states": [[new, prev]...], "policy_estimators": [...],
 * "action_layers": [...]}. Methods: "get_sessions" {"environment": env handle, "session_length", "batch_size" (or
 * "batch_size_var": node), "initial_env_states"/"initial_observations"/"initial_hidden": "zeros" | {"list": [layer
 * or null...]} | [[layer, layer or null]...], "experience_replay", "options": get_output flags} -> env states,
 * observations, memories, actions, policy sequences, reply {"counts": [5]}; "get_agent_reaction" {"options"},
 * inputs = previous memories then observations -> actions, new memories, policy then actions, reply {"counts": [3]};
 * "zeros_like_memory" {"batch_size"} -> one shared value per memory. */
int32_t agn_agent_create(const char *attributes_json, agn_handle *out);
int32_t agn_agent_call(agn_handle agent, const char *method, const char *attributes_json, const agn_handle *inputs,
                       int64_t n_inputs, agn_handle *outs, int64_t out_cap, int64_t *n_out, const char **reply_json);
/* kind: "HostEnvironment" {"host_key", "label", "state_shapes", "observation_shapes", "action_shapes", "*_dtypes"}
 * (a host-language BaseEnvironment asked through the build-time callback, request 1, inputs previous states then
 * actions, reply new states then observations), "BooleanReasoningEnvironment" {"seed", "batch_size"},
 * "SessionPoolEnvironment" {"observations"/"actions"/"agent_memories": [{"shape": [...], "dtype"}...], "rng_seed"},
 * "SessionBatchEnvironment" {"inputs": names, "single_observation_shapes", "single_action_shapes"}. Session inputs
 * are named by "inputs", one name per input: "observation", "action", "rewards", "is_alive", "is_truncated",
 * "prev_memory". Methods: "describe", "get_action_results" (any graph env); "generate_new_data_batch",
 * "set_data_batch", "get_reward_sequences", "get_whether_alive", "joint_data" (BooleanReasoning); "load_sessions",
 * "append_sessions" (inputs evaluated, "max_pool_size"), "get_session_updates" ({"append", "max_pool_size"} ->
 * new values, reply {"targets": [index into "values"]}), "select_session_batch", "sample_session_batch"
 * {"max_n_samples", "replace"} -> a SessionBatchEnvironment, "pool_size", "values" (pool); "sequences" (replay). */
int32_t agn_mdp_env_create(const char *kind, const char *attributes_json, const agn_handle *inputs, int64_t n_inputs,
                           agn_handle *out);
int32_t agn_mdp_env_call(agn_handle env, const char *method, const char *attributes_json, const agn_handle *inputs,
                         int64_t n_inputs, agn_handle *outs, int64_t out_cap, int64_t *n_out, const char **reply_json);
/* Agents on native environments: the native env (agn_env_create, next-step autoreset) as a BaseEnvironment an agent
 * plays inside a compiled function (agn_agent_call "get_sessions" with it as "environment"; the sessions' env states
 * are rewards float32, is_alive bool, is_truncated bool, each [batch, tick], and the result ends with the (shared
 * memory, new value) updates the function must apply so the next call continues the memory). It keeps the agent's
 * memory of each sub-env between calls, so make one per env. */
int32_t agn_native_environment_create(agn_handle env, agn_handle *out);


#ifdef __cplusplus
}
#endif
#endif
