# The store's benchmarks (issue 6, "Benchmarks"): timers and group commit. Included from
# bench/CMakeLists.txt:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/store_bench.cmake)
add_executable(store_timers_bench ${CMAKE_CURRENT_LIST_DIR}/store_timers_bench.cpp)
target_link_libraries(store_timers_bench PRIVATE reglament_store)

add_executable(store_inbox_bench ${CMAKE_CURRENT_LIST_DIR}/store_inbox_bench.cpp)
target_link_libraries(store_inbox_bench PRIVATE reglament_store)

# One sweep over 1,000,000 closed and 10,000 open snapshots (issue 19): before and after.
add_executable(store_sweep_bench ${CMAKE_CURRENT_LIST_DIR}/store_sweep_bench.cpp)
target_link_libraries(store_sweep_bench PRIVATE reglament_daemon_lib)
