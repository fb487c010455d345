# The timers benchmark of the store (ISSUE 6, "Benchmarks"). Included from bench/CMakeLists.txt:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/store_timers_bench.cmake)
add_executable(store_timers_bench ${CMAKE_CURRENT_LIST_DIR}/store_timers_bench.cpp)
target_link_libraries(store_timers_bench PRIVATE reglament_store)
