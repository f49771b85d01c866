pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
    plugins {
        // Keep in step with bindings/android/settings.gradle.kts (one AGP per composite build).
        id("com.android.application") version "8.7.3"
        id("org.jetbrains.kotlin.android") version "2.1.0"
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "ringfence-sample"
include(":app")

// The ringfence AAR built from this repository's source (bindings/android, which runs
// cargo-ndk through its build.sh). An app outside the repository depends on the published
// artifact instead and needs none of this: implementation("dev.ringfence:ringfence-android:0.1.0").
includeBuild("../bindings/android") {
    dependencySubstitution {
        substitute(module("dev.ringfence:ringfence-android")).using(project(":"))
    }
}
